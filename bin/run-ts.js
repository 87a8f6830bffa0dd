#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, soak) through tsx: node bin/run-ts.js path/to/script.ts [args]
// A development tool: tsx is a dev dependency. The gateway these scripts start runs dist/.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { register } from 'tsx/esm/api';

register();
await import(pathToFileURL(resolve(process.argv[2])).href);
