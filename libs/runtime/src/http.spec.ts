// Tests: service app.
import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp, parseBody } from './http';
import { createLogger } from './logger';
import { EventMetrics } from './metrics';

describe('service app', () => {
  let server: Server;
  let base: string;
  let healthy = true;
  beforeAll(async () => {
    const app = createServiceApp(
      { logger: createLogger('test', 'silent'), metrics: new EventMetrics('test'), readiness: [{ name: 'broker', check: async () => {
          if (!healthy) throw new Error('User: arn:aws:sts::123456789012:assumed-role/task is not authorized');
        } }] },
      (routes) => {
        routes.post('/things', (req, res) => {
          const body = parseBody(z.object({ name: z.string().min(1), size: z.number().int() }).strict(), req, res);
          if (body) res.status(201).json(body);
        });
        routes.get('/boom', () => {
          throw new Error('bug');
        });
      },
    );
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (body: string) => fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers 400 naming each wrong field', async () => {
    const response = await post(JSON.stringify({ name: '', size: 1.5, extra: true }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: { path: string }[] };
    expect(body.issues.map((i) => i.path).sort()).toEqual(['(body)', 'name', 'size']);
  });

  it('answers 400 to malformed JSON and 413 to a huge body, never 500', async () => {
    expect((await post('{"name":')).status).toBe(400);
    expect((await post(JSON.stringify({ name: 'x'.repeat(100_000), size: 1 }))).status).toBe(413);
    expect((await post(JSON.stringify({ name: 'ok', size: 2 }))).status).toBe(201);
  });

  it('keeps real bugs as 500 without leaking the message', async () => {
    const response = await fetch(`${base}/boom`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error' });
  });

  it('reports readiness per check', async () => {
    healthy = false;
    const down = await fetch(`${base}/ready`);
    expect(down.status).toBe(503);
    // The AWS error (account id, role) stays in the log; the caller learns only which check fails.
    expect(await down.json()).toEqual({ status: 'not ready', checks: { broker: 'failing' } });
    healthy = true;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('serves Prometheus metrics with the conventional names', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('# TYPE events_published_total counter');
    expect(text).toContain('# TYPE event_handler_duration_seconds histogram');
    expect(text).toContain('# TYPE event_queue_messages gauge');
    expect(text).toContain('process_resident_memory_bytes');
  });

  describe('the operator API is guarded', () => {
    it('refuses a cross-site request and a text/plain one (what a web page can send without a preflight)', async () => {
      const body = JSON.stringify({ name: 'x', size: 1 });
      expect((await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body })).status).toBe(403);
      expect((await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body })).status).toBe(403);
      expect((await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })).status).toBe(415);
      expect((await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body })).status).toBe(201);
    });

    /** A POST with the Host and Origin a browser would send after DNS rebinding (fetch cannot set Host). */
    const postAs = (host: string, headers: Record<string, string> = {}, body: string | null = JSON.stringify({ name: 'x', size: 1 })) =>
      new Promise<number>((resolve, reject) => {
        const call = request(`${base}/things`, { method: 'POST', headers: { host, ...(body === null ? { 'content-length': '0' } : { 'content-type': 'application/json' }), ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        call.once('error', reject);
        call.end(body ?? undefined);
      });

    it('without a token, accepts only requests addressed to a loopback name (DNS rebinding is refused)', async () => {
      const port = new URL(base).port;
      expect(await postAs(`evil.example:${port}`, { origin: `http://evil.example:${port}` })).toBe(403);
      expect(await postAs(`evil.example:${port}`)).toBe(403);
      expect(await postAs(`192.168.1.20:${port}`)).toBe(403);
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) expect(await postAs(host)).toBe(201);
    });

    it('lets a command with no body through the guard (the route decides), and still refuses a body that is not JSON', async () => {
      const port = new URL(base).port;
      expect(await postAs(`127.0.0.1:${port}`, {}, null)).toBe(400); // the route's own answer: a body it needs is missing
      expect(await postAs(`127.0.0.1:${port}`, { 'content-type': 'text/plain' }, 'x')).toBe(415);
      expect(await postAs(`127.0.0.1:${port}`, { 'content-type': 'application/x-www-form-urlencoded' }, null)).toBe(415); // an empty form
      expect(await postAs(`127.0.0.1:${port}`, { 'content-type': 'application/json' }, null)).toBe(400); // JSON named, no body: the route decides
    });

    it('with a token configured, refuses a request without it or with a wrong one', async () => {
      const guarded = createServiceApp({ logger: createLogger('test', 'silent'), metrics: new EventMetrics('guarded'), readiness: [], operatorToken: 'a-long-operator-token' }, (routes) => {
        routes.post('/pause', (_req, res) => void res.json({ paused: true }));
      });
      const other = guarded.listen(0);
      await new Promise((resolve) => other.once('listening', resolve));
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}/pause`;
      try {
        const call = (authorization?: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{}' });
        expect((await call()).status).toBe(401);
        expect((await call('Bearer wrong-token-of-any-length')).status).toBe(401);
        expect((await call('Bearer a-long-operator-token')).status).toBe(200);
        expect((await fetch(url.replace('/pause', '/health'))).status).toBe(200); // reads stay open
      } finally {
        other.close();
      }
    });
  });
});
