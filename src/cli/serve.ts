// `imagegate serve`: start the gateway, print where it listens, drain in-flight requests on SIGTERM/SIGINT.
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { runPrimary } from '../cluster/primary.js';
import { joinCluster } from '../cluster/worker.js';
import type { GatewayConfig } from '../config/index.js';
import { tuneGarbageCollector } from '../server/gc-tuning.js';
import type { RunningGateway } from '../server/assemble.js';
import { createLogger } from '../security/logger.js';
import { type CommonFlags, loadConfigOrExit } from './context.js';
import { exitCodes } from './output.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the gateway (SQLite and the local engine by default; see DESIGN of config)')
    .option('--port <port>', 'port to listen on (env IMAGEGATE_PORT, default 8787)')
    .option('--host <host>', 'address to bind (env IMAGEGATE_HOST, default 127.0.0.1)')
    .option('--config <file>', 'YAML config of channels and models (env IMAGEGATE_CONFIG)')
    .addHelpText(
      'after',
      `
Examples:
  $ imagegate serve
  $ IMAGEGATE_BOOTSTRAP_KEY=dev-key imagegate serve --port 9000
  $ GEMINI_API_KEY=... imagegate serve --config imagegate.yaml`,
    )
    .action(async (flags: CommonFlags) => {
      tuneGarbageCollector();
      const config = loadConfigOrExit(flags);
      if (cluster.isPrimary && config.server.workers > 1) {
        process.stdout.write(`imagegate: starting ${config.server.workers} worker processes\n`);
        runPrimary({ workers: config.server.workers, logger: createLogger() });
        return;
      }
      const member = joinCluster(config.server.workers);
      // Loaded here, not above: a primary never loads the gateway.
      const { createGateway } = await import('../server/assemble.js');
      const running = await createGateway(config, { cluster: member });
      const address = await listenOrExit(running, config);
      // In a cluster the first worker speaks for the node and alone runs the retest schedule.
      if ((member?.index ?? 0) > 0) {
        running.gateway.logger.info({ worker: member?.index, address }, 'worker listening');
      } else {
        // The banner says the node is up: in a cluster, once every worker listens.
        await member?.link.nodeListening;
        announce(running, config, address);
        running.gateway.retests?.startSchedule();
        // In the background: the node is ready already, and a failed sync is logged, never thrown.
        running.startModelSyncSchedule();
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        running.gateway.logger.info({ signal }, 'draining in-flight requests, then stopping');
        await running.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

/** Listens where configured; an address in use or not allowed is a configuration error (exit 2). */
async function listenOrExit(running: RunningGateway, config: GatewayConfig): Promise<string> {
  const { host, port } = config.server;
  try {
    return await running.app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    const reason = {
      EADDRINUSE: 'the address is in use',
      EACCES: 'permission denied',
      EADDRNOTAVAIL: 'no such local address',
    }[code];
    process.stderr.write(
      `imagegate: cannot listen on ${host}:${port} (${reason}); choose another with --port/--host or IMAGEGATE_PORT/IMAGEGATE_HOST\n`,
    );
    await running.close();
    process.exit(exitCodes.usage);
  }
}

function announce(running: RunningGateway, config: GatewayConfig, address: string): void {
  process.stdout.write(`imagegate listening on ${address}\n`);
  process.stdout.write(
    `channels: ${config.channels.map((channel) => `${channel.name} (${channel.provider}: ${channel.models.join(', ')})`).join('; ')}\n`,
  );
  if (running.createdBootstrapKey && !config.auth.bootstrapKey) {
    process.stdout.write(
      `bootstrap client key (shown once, store it now): ${running.createdBootstrapKey}\n` +
        `try: curl -s ${address}/v1beta/models -H "x-goog-api-key: ${running.createdBootstrapKey}"\n`,
    );
  }
}
