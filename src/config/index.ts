// The configuration module's public face: loadConfig, its error and its types.
export { ConfigError, type ConfigProblem } from './config-error.js';
export { type LoadConfigOptions, loadConfig } from './load-config.js';
export * from './types.js';
