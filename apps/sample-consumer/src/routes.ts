import type { QueueDepth } from '@game-mesh/service-runtime';
import type { Express, Response } from 'express';
import { LIVE_PAGE } from './livePage';
import type { WorldProjection } from './WorldProjection';

/** `/state`, `/events`, and the live page with its server-sent events stream. */
export function consumerRoutes(projection: WorldProjection, options: { queues: () => Promise<Record<string, QueueDepth>>; statsIntervalMs: number }) {
  return (app: Express): void => {
    app.get('/state', (_req, res) => void res.json(projection.snapshot()));
    app.get('/events', (_req, res) => void res.json(projection.recentEvents()));
    app.get('/', (_req, res) => void res.type('html').send(LIVE_PAGE));
    app.get('/live/stream', async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const queues = await options.queues().catch(() => undefined);
      send(res, 'snapshot', { state: projection.snapshot(), events: projection.recentEvents(), queues });
      const unsubscribe = projection.onRecorded((event) => send(res, 'event', { event, state: projection.snapshot() }));
      const timer = setInterval(() => {
        void options.queues().then((depths) => send(res, 'queues', depths)).catch(() => undefined);
      }, options.statsIntervalMs);
      req.on('close', () => {
        unsubscribe();
        clearInterval(timer);
      });
    });
  };
}

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
