// OpenTelemetry set up once per process, and spans for HTTP requests and AWS calls.
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { RequestHandler } from 'express';

export interface Tracing {
  /** Where spans go: an OTLP/HTTP endpoint, or nowhere (spans still give logs their ids). */
  exporter: string;
  /** Sends what is buffered; on shutdown, after the last event. */
  shutdown(): Promise<void>;
}

let started: Promise<Tracing> | undefined;

/** The OpenTelemetry variables a service reads (the standard ones), with what each does here. */
export const TRACING_VARIABLES = {
  OTEL_EXPORTER_OTLP_ENDPOINT: 'OTLP/HTTP collector; spans are exported only when this (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. The CDK sets the ADOT collector beside the task.',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'The traces endpoint itself, instead of OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces.',
  OTEL_TRACES_EXPORTER: '"none": export no spans.',
  OTEL_PROPAGATORS: 'Containing "xray": the X-Ray propagator and X-Ray trace ids too (the CDK sets tracecontext,xray).',
  OTEL_SERVICE_NAME: 'The service name on spans.',
} as const;

/**
 * OpenTelemetry for one service process, configured by the standard variables: spans go to
 * OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set and
 * `OTEL_TRACES_EXPORTER` is not `none`; `OTEL_PROPAGATORS` containing `xray` adds the X-Ray
 * propagator and trace ids X-Ray accepts (on AWS, through the ADOT collector beside each task).
 * A context manager is always registered, so every log line inside a span carries its ids.
 * Once per process: a second call returns the first setup.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  started ??= setUp(serviceName, env);
  return started;
}

/**
 * The exporter and the X-Ray parts are loaded only when asked for: a local run, which exports
 * nothing, never loads them.
 */
async function setUp(serviceName: string, env: NodeJS.ProcessEnv): Promise<Tracing> {
  // As the specification says: the traces endpoint as given, or the base endpoint + /v1/traces.
  const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const endpoint = tracesEndpoint || (base ? `${base.replace(/\/$/, '')}/v1/traces` : undefined);
  const exporting = endpoint !== undefined && env['OTEL_TRACES_EXPORTER'] !== 'none';
  const xray = (env['OTEL_PROPAGATORS'] ?? '').split(',').map((p) => p.trim()).includes('xray');
  const [exporter, idGenerator, xrayPropagator] = await Promise.all([
    exporting ? import('@opentelemetry/exporter-trace-otlp-http').then(({ OTLPTraceExporter }) => new OTLPTraceExporter({ url: endpoint })) : undefined,
    xray ? import('@opentelemetry/id-generator-aws-xray').then(({ AWSXRayIdGenerator }) => new AWSXRayIdGenerator()) : undefined,
    xray ? import('@opentelemetry/propagator-aws-xray').then(({ AWSXRayPropagator }) => new AWSXRayPropagator()) : undefined,
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] ?? serviceName }),
    ...(idGenerator ? { idGenerator } : {}),
    // The processor reads OTEL_BSP_* (delay, batch size) itself; OTEL_EXPORTER_OTLP_HEADERS too.
    spanProcessors: exporter ? [new BatchSpanProcessor(exporter)] : [],
  });
  const propagators: TextMapPropagator[] = [new W3CTraceContextPropagator(), ...(xrayPropagator ? [xrayPropagator] : [])];
  provider.register({ propagator: new CompositePropagator({ propagators }) });
  // A collector that is gone at shutdown costs the last spans, never the drain.
  return { exporter: exporter ? `otlp/http ${endpoint}` : 'none', shutdown: () => provider.shutdown().catch(() => undefined) };
}

const tracer = () => trace.getTracer('@game-mesh/runtime');

/**
 * A server span per HTTP request (`GET /weather`), child of the caller's `traceparent` when it
 * sends one; what the route does (a publish) is its child.
 */
export function httpSpans(): RequestHandler {
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer().startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** A client span per AWS SDK call (`SNS.PublishBatch`), added to each client's middleware stack. */
export function awsSdkSpans(client: { middlewareStack: { add: (middleware: never, options: { step: 'initialize'; name: string }) => void } }): void {
  const middleware = (next: (args: unknown) => Promise<unknown>, handlerContext: { clientName?: string; commandName?: string }) => async (args: unknown) => {
    const service = (handlerContext.clientName ?? 'AWS').replace(/Client$/, '');
    const operation = (handlerContext.commandName ?? 'Command').replace(/Command$/, '');
    return tracer().startActiveSpan(`${service}.${operation}`, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'aws-api', 'rpc.service': service, 'rpc.method': operation } }, async (span) => {
      try {
        return await next(args);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'openTelemetrySpan' });
}

/** The active span's ids, for a log line written inside it (pino mixin). */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}
