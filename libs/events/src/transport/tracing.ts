import { randomUUID } from 'node:crypto';
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type SpanContext } from '@opentelemetry/api';

/** W3C Trace Context `traceparent`: version 00, trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The `traceparent` for an outgoing event: the active span's when there is one, else a new trace,
 * so every event can be followed across services even before an OpenTelemetry SDK is installed.
 */
export function traceparentFor(active: Context = context.active()): string {
  const spanContext = trace.getSpanContext(active);
  return spanContext && isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : newTraceparent();
}

function formatTraceparent(spanContext: SpanContext): string {
  return `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

function newTraceparent(): string {
  // randomUUID draws from a pooled buffer: far cheaper per event than two randomBytes calls.
  const traceId = randomUUID().replaceAll('-', '');
  const spanId = randomUUID().replaceAll('-', '').slice(0, 16);
  return `00-${traceId}-${spanId}-01`;
}

/** Parses a `traceparent`; undefined when absent or malformed (a bad header never fails a message). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  const spanContext: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The context a handler runs in: the producer's span as remote parent. */
export function contextFromTraceparent(value: string | undefined, base: Context = context.active()): Context {
  const spanContext = parseTraceparent(value);
  return spanContext ? trace.setSpanContext(base, spanContext) : base;
}

/** The tracer of the transport: spans after the OpenTelemetry messaging conventions (no-ops until an SDK is registered). */
const tracer = () => trace.getTracer('@game-mesh/events');

/**
 * Starts a span of `kind` (PRODUCER: `publish <topic>`; CONSUMER: `process <queue>`) under
 * `parent` without entering it: the hot paths enter a context only where code runs inside it (the
 * handler), and {@link endMessagingSpan} ends it. Its context is `trace.setSpan(parent, span)`.
 */
export function startMessagingSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  return tracer().startSpan(name, { kind, attributes }, parent);
}

/** Ends a span from {@link startMessagingSpan}, marked as an error when `error` is given. */
export function endMessagingSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** The `traceparent` naming `span`: its own context when valid, else (no SDK, no parent) a new trace. */
export function traceparentOfSpan(span: Span): string {
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : newTraceparent();
}

export { SpanKind };
