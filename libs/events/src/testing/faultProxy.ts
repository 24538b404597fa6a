// For tests: a proxy between clients and the emulator that injects latency, errors and resets, and
// counts requests.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** GET it on the proxy for the request counts by action; DELETE reads and resets them. */
export const COUNTS_PATH = '/__fault-proxy/counts';

export interface FaultPlan {
  /** Share of requests (0..1) answered with `errorStatus` instead of being forwarded. */
  errorRate?: number;
  /** 500/503 for server errors; 400 with a Throttling body for throttling. @defaultValue 503 */
  errorStatus?: 500 | 503 | 'throttle';
  /** Share of requests whose connection is reset without an answer. */
  resetRate?: number;
  /** Accept matching requests and never answer them (a broker that hangs); the client must time out. */
  hang?: boolean;
  /** Added before forwarding each request. */
  latencyMs?: number;
  /** Only requests whose action (X-Amz-Target or Action=) matches are touched. @defaultValue all */
  actions?: RegExp;
}

export interface FaultProxy {
  endpoint: string;
  /** Replaces the fault plan; `{}` forwards everything untouched. */
  set(plan: FaultPlan): void;
  /** Fails the next `count` matching requests with `status`, then forwards again. */
  failNext(count: number, status?: FaultPlan['errorStatus']): void;
  /** Refuses every connection (destroyed at once) for `ms`. */
  refuseFor(ms: number): void;
  /** Requests held open by `hang` right now. */
  hanging(): number;
  /** Requests seen, by action, forwarded or not. */
  readonly seen: Map<string, number>;
  /** The resources each action was called on (queue, topic or table name), forwarded or not. */
  readonly resources: Map<string, Set<string>>;
  faultsInjected(): number;
  stop(): Promise<void>;
}

/**
 * A forwarding HTTP proxy between clients and the emulator that injects faults: latency, 5xx or
 * throttling answers at a rate, connection resets, or refusing all traffic for a while.
 */
export async function startFaultProxy(target: string, initial: FaultPlan = {}, random: () => number = Math.random): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  let plan = initial;
  let forcedFailures = 0;
  let forcedStatus: FaultPlan['errorStatus'] = 503;
  let refuseUntil = 0;
  let faults = 0;
  const seen = new Map<string, number>();
  const resources = new Map<string, Set<string>>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (socket) => {
    if (Date.now() < refuseUntil) {
      faults += 1;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (req.url === COUNTS_PATH) {
      // Read (GET) or read and reset (DELETE) the counts from another process.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.fromEntries(seen)));
      if (req.method === 'DELETE') seen.clear();
      return;
    }
    const action = actionOf(req, body);
    seen.set(action, (seen.get(action) ?? 0) + 1);
    const resource = resourceOf(req, body);
    if (resource !== undefined) resources.set(action, (resources.get(action) ?? new Set()).add(resource));
    const touched = plan.actions === undefined || plan.actions.test(action);
    if (Date.now() < refuseUntil) {
      faults += 1;
      req.socket.destroy();
      return;
    }
    if (touched && plan.hang === true) {
      faults += 1;
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (touched && forcedFailures > 0) {
      forcedFailures -= 1;
      return answerError(res, forcedStatus ?? 503, isJson(req));
    }
    if (touched && random() < (plan.resetRate ?? 0)) {
      faults += 1;
      req.socket.resetAndDestroy();
      return;
    }
    if (touched && random() < (plan.errorRate ?? 0)) return answerError(res, plan.errorStatus ?? 503, isJson(req));
    if (plan.latencyMs) await new Promise((resolve) => setTimeout(resolve, plan.latencyMs));
    const upstream = request(
      { hostname: targetUrl.hostname, port: targetUrl.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }

  function answerError(res: ServerResponse, status: NonNullable<FaultPlan['errorStatus']>, json: boolean): void {
    faults += 1;
    if (json) {
      // SQS speaks JSON 1.0; SNS speaks the query protocol with XML errors.
      const throttled = status === 'throttle';
      res.writeHead(throttled ? 400 : status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: throttled ? 'ThrottlingException' : 'InternalFailure', message: 'injected by fault proxy' }));
      return;
    }
    if (status === 'throttle') {
      res.writeHead(400, { 'content-type': 'text/xml', 'x-amzn-query-error': 'Throttling;Sender' });
      res.end('<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>');
      return;
    }
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>injected by fault proxy</Message></Error></ErrorResponse>');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    set(next) {
      plan = next;
    },
    hanging: () => hanging.size,
    failNext(count, status = 503) {
      forcedFailures = count;
      forcedStatus = status;
    },
    refuseFor(ms) {
      refuseUntil = Date.now() + ms;
      for (const socket of sockets) socket.destroy();
    },
    seen,
    resources,
    faultsInjected: () => faults,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isJson(req: IncomingMessage): boolean {
  return typeof req.headers['x-amz-target'] === 'string';
}

function actionOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').at(-1) ?? target;
  const match = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'));
  return match?.[1] ?? 'unknown';
}

/** The name of the queue (QueueUrl), topic (TopicArn) or table (TableName) a request is about. */
function resourceOf(req: IncomingMessage, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  if (typeof req.headers['x-amz-target'] === 'string') {
    try {
      const input = JSON.parse(text) as { QueueUrl?: string; TableName?: string };
      return input.QueueUrl?.split('/').at(-1) ?? input.TableName;
    } catch {
      return undefined;
    }
  }
  const topic = /(?:^|&)TopicArn=([^&]+)/.exec(text)?.[1];
  return topic === undefined ? undefined : decodeURIComponent(topic).split(':').at(-1);
}
