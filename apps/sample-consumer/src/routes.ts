// sample-consumer's HTTP routes: /state, /events and the live page with its event stream.
import type { EventStreams, QueueDepth } from '@game-mesh/runtime';
import type { Express } from 'express';
import { LIVE_PAGE } from './livePage';
import type { WorldProjection } from './WorldProjection';

/** `/state`, `/events`, and the live page with its server-sent events stream. */
export function consumerRoutes(projection: WorldProjection, options: { queues: () => Promise<Record<string, QueueDepth>>; statsIntervalMs: number; streams: EventStreams }) {
  const { streams } = options;
  const send = streams.send.bind(streams);
  return (app: Express): void => {
    app.get('/state', (_req, res) => void res.json(projection.snapshot()));
    app.get('/events', (_req, res) => void res.json(projection.recentEvents()));
    app.get('/', (_req, res) => void res.type('html').send(LIVE_PAGE));
    app.get('/live/stream', async (_req, res) => {
      const cleanups: (() => void)[] = [];
      if (!streams.attach(res, () => cleanups.forEach((cleanup) => cleanup()))) return;
      const queues = await options.queues().catch(() => undefined);
      if (res.writableEnded || res.destroyed) return; // gone while the depths were read
      send(res, 'snapshot', { state: projection.snapshot(), events: projection.recentEvents(), queues });
      cleanups.push(projection.onRecorded((event) => send(res, 'event', { event, state: projection.snapshot() })));
      const timer = setInterval(() => {
        void options.queues().then((depths) => send(res, 'queues', depths)).catch(() => undefined);
      }, options.statsIntervalMs);
      cleanups.push(() => clearInterval(timer));
    });
  };
}
