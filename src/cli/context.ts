// Shared setup for commands: load the configuration (exit 2 with the file:line message on error).
import { ConfigError, type GatewayConfig, loadConfig } from '../config/index.js';
import { exitCodes } from './output.js';

export interface CommonFlags {
  config?: string;
  port?: string;
  host?: string;
}

export function loadConfigOrExit(flags: CommonFlags): GatewayConfig {
  try {
    return loadConfig({
      env: process.env,
      argvConfigPath: flags.config,
      flags: {
        port: flags.port === undefined ? undefined : Number(flags.port),
        host: flags.host,
      },
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`imagegate: configuration error\n${error.message}\n`);
      process.exit(exitCodes.usage);
    }
    throw error;
  }
}
