// Listening, and shutting down on SIGTERM/SIGINT in steps, with a forced exit.
import type { Server } from 'node:http';
import type { ServiceLogger } from './logger';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Wires SIGTERM and SIGINT: runs the steps in order (stop consuming and drain, flush publishes,
 * close HTTP), then exits 0. A forced exit after `timeoutMs` (unref'd, so it never keeps the
 * process alive) guarantees the process is gone before ECS sends SIGKILL.
 */
export function handleShutdown(options: { logger: ServiceLogger; server: Server; steps: readonly ShutdownStep[]; timeoutMs: number; exit?: (code: number) => void }): () => Promise<void> {
  const { logger, server, steps, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ timeoutMs }, 'shutting down');
      const forced = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown took too long; exiting');
        exit(1);
      }, timeoutMs);
      forced.unref();
      let failed = false;
      for (const step of steps) {
        try {
          await step.run();
        } catch (error) {
          failed = true;
          logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(forced);
      logger.info({}, 'stopped');
      exit(failed ? 1 : 0);
    })();
    return stopping;
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  return shutdown;
}

/** Starts listening; resolves with the server once the port is bound. */
export function listen(app: { listen: (port: number, host: string, callback: (error?: Error) => void) => Server }, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Express 5 calls back with the error too (a port in use): that is a failed start, not a server.
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.once('error', reject);
  });
}
