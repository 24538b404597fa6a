// For tests and npm start: fauxqs on 127.0.0.1, on a free port or a given one.
import type { AddressInfo } from 'node:net';
import { buildApp } from 'fauxqs';

export interface LocalEmulator {
  /** The port it listens on, on 127.0.0.1 only. */
  port: number;
  /** `http://127.0.0.1:<port>`: the endpoint for AWS SDK clients. */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * fauxqs (SNS and SQS), listening on 127.0.0.1 only. Its own `startFauxqs` listens on every
 * interface whatever `host` says, so anyone on the network could read, inject into or purge any
 * queue; this builds the same app and listens on loopback. `port: 0` picks a free one.
 */
export async function startLocalEmulator(options: { port?: number } = {}): Promise<LocalEmulator> {
  // `host` names the queue URLs fauxqs hands out (sqs.<region>.localhost:<port>), as startFauxqs does.
  const app = buildApp({ logger: false, host: 'localhost' });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { port, endpoint: `http://127.0.0.1:${port}`, stop: () => app.close() };
}
