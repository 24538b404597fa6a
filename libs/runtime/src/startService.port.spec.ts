// Tests: a service whose port is taken fails to start, naming the port, instead of running deaf.
import { createServer } from 'node:net';
import { gameEvents, parseServiceDeclaration } from '@game-mesh/events';
import { describe, expect, it } from 'vitest';
import { defineService } from './serviceDefinition';
import { startService } from './startService';

const clock = defineService({
  declared: {
    catalog: gameEvents,
    declaration: parseServiceDeclaration({ name: 'time-manager', description: 'A clock.', port: 3999, publishes: ['time.changed'] }, 'test'),
    publishes: ['time.changed'],
    readers: {},
  },
  build: () => ({ routes: () => undefined }),
});

describe('startService on a port another process holds', () => {
  it('rejects with EADDRINUSE', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      await expect(startService(clock, { EVENTS_MODE: 'log-only', LOG_LEVEL: 'silent', PORT: String(port) }, () => undefined)).rejects.toThrow(/EADDRINUSE.*:\d+/);
    } finally {
      holder.close();
    }
  });
});
