// For tests: free ports on loopback.
import { createServer } from 'node:net';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are free (services listen on base + 1 … base + count). */
export async function freeBasePort(count = 10): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Below Linux's ephemeral range (32768-60999): a port there may be taken by an outgoing
    // connection (the service's own, to the broker) between this check and its listen.
    const base = 20_000 + Math.floor(Math.random() * (32_000 - count - 20_000));
    const ports = Array.from({ length: count }, (_, i) => base + i + 1);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free ports found');
}
