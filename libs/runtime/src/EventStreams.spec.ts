// Tests: EventStreams.
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { EventStreams } from './EventStreams';

/** An app whose GET /s attaches a stream; the Response of the last one attached is kept. */
async function serve(streams: EventStreams) {
  const app = express();
  const attached: Response[] = [];
  app.get('/s', (_req, res) => {
    if (streams.attach(res, () => undefined)) attached.push(res);
  });
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${port}/s`, port, attached, close };
}

describe('EventStreams', () => {
  it('caps open streams (503 beyond the cap), frees a slot when a client leaves, and ends all on closeAll()', async () => {
    const streams = new EventStreams(2);
    const { url, close } = await serve(streams);
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
      close();
    }
  });

  it('caps the streams one address may hold, beside the global cap', async () => {
    const streams = new EventStreams(10, 2);
    const { url, close } = await serve(streams);
    try {
      expect([(await fetch(url)).status, (await fetch(url)).status]).toEqual([200, 200]);
      const refused = await fetch(url);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'too many open streams from one address (2)' });
      expect(streams.size).toBe(2);
    } finally {
      close();
    }
  });

  it('drops a stream whose client stops reading once its unsent bytes pass the bound, so memory stays bounded', async () => {
    const streams = new EventStreams(10, 5, 1_000_000);
    const { port, attached, close } = await serve(streams);
    try {
      // A client that connects and never reads a byte.
      const client = get({ host: '127.0.0.1', port, path: '/s' }, (res) => res.pause());
      client.on('error', () => undefined);
      await expect.poll(() => attached.length).toBe(1);
      const stream = attached[0];
      const big = 'x'.repeat(250_000);
      let peak = 0;
      for (let i = 0; i < 200 && !stream!.destroyed; i++) {
        streams.send(stream!, 'event', big);
        peak = Math.max(peak, stream!.writableLength);
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(stream!.destroyed).toBe(true);
      expect(peak).toBeLessThan(1_000_000 + 300_000);
      await expect.poll(() => streams.size).toBe(0);
      client.destroy();
    } finally {
      close();
    }
  });
});
