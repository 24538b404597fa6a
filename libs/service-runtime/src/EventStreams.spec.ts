import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { EventStreams } from './EventStreams';

describe('EventStreams', () => {
  it('caps open streams (503 beyond the cap), frees a slot when a client leaves, and ends all on closeAll()', async () => {
    const streams = new EventStreams(2);
    const app = express();
    app.get('/s', (_req, res) => void streams.attach(res, () => undefined));
    const server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/s`;
    try {
      const first = new AbortController();
      const open = [await fetch(url, { signal: first.signal }), await fetch(url)];
      expect(open.map((r) => r.status)).toEqual([200, 200]);
      const refused = await fetch(url);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'too many open streams (2)' });
      first.abort();
      await expect.poll(() => streams.size).toBe(1);
      const third = await fetch(url);
      expect(third.status).toBe(200);
      streams.closeAll();
      expect((await open[1]!.body!.getReader().read()).done).toBe(true);
      await expect.poll(() => streams.size).toBe(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
