// Messaging spans after the OpenTelemetry conventions, and W3C trace context carried in a message
// attribute.
import { randomFillSync } from 'node:crypto';
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';

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

/** Random bytes for new trace ids, drawn 128 ids at a time: one hex conversion per id. */
const RANDOM_ID_BYTES = 24; // 16 for the trace id, 8 for the span id
const randomPool = Buffer.alloc(RANDOM_ID_BYTES * 128);
let randomOffset = randomPool.length;

function newTraceparent(): string {
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + RANDOM_ID_BYTES);
  randomOffset += RANDOM_ID_BYTES;
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

/** Parses a `traceparent`; undefined when absent or malformed (a bad header never fails a message). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  if (value === undefined) return undefined;
  // As written by W3C-conforming senders (lower case, no padding): checked by hand, no regex on the hot path.
  if (!isCanonicalTraceparent(value)) {
    const normalised = value.trim().toLowerCase();
    if (!TRACEPARENT.test(normalised)) return undefined;
    value = normalised;
  }
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  // All-zero ids are invalid (W3C); the OpenTelemetry API checks that too.
  const spanContext: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(value.slice(53, 55), 16) & TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** `00-` 32 hex `-` 16 hex `-` 2 hex, lower case: what {@link TRACEPARENT} matches, without the regex. */
function isCanonicalTraceparent(value: string): boolean {
  if (value.length !== 55 || value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 48) return false;
  for (let i = 2; i < 55; i += 1) {
    const code = value.charCodeAt(i);
    if (i === 2 || i === 35 || i === 52) {
      if (code !== 45) return false; // '-'
    } else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) {
      return false; // not 0-9 a-f
    }
  }
  return true;
}

/** The context a handler runs in: the producer's span as remote parent. */
export function contextFromTraceparent(value: string | undefined, base: Context = context.active()): Context {
  const spanContext = parseTraceparent(value);
  return spanContext ? trace.setSpanContext(base, spanContext) : base;
}

/** The tracer of the transport: spans after the OpenTelemetry messaging conventions (no-ops until an SDK is registered). */
const tracer = () => trace.getTracer('@game-mesh/events');

/** A span's name, kind and the attributes known at its creation (what samplers see): one per destination and type. */
export interface SpanShape {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
}

/**
 * Starts a span (PRODUCER: `publish <topic>`; CONSUMER: `process <queue>`) under `parent` without
 * entering it: the hot paths enter a context only where code runs inside it (the handler), and
 * {@link endMessagingSpan} ends it. Its context is `trace.setSpan(parent, span)`. Per-message
 * attributes are added by the caller when `span.isRecording()`: nothing is built for a no-op span.
 */
export function startMessagingSpan(shape: SpanShape, parent: Context, links?: Link[]): Span {
  return tracer().startSpan(shape.name, links === undefined ? shape : { ...shape, links }, parent);
}

/** A batch's links: one to each event's publish span, by its `traceparent` (messaging conventions' batch receive). */
export function linksTo(traceparents: readonly (string | undefined)[]): Link[] {
  const links: Link[] = [];
  for (const value of traceparents) {
    const spanContext = parseTraceparent(value);
    if (spanContext) links.push({ context: spanContext });
  }
  return links;
}

/** Ends a span from {@link startMessagingSpan}, marked as an error when `error` is given. */
export function endMessagingSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/**
 * The `traceparent` naming `span` when there is a trace to carry (an OpenTelemetry SDK made the
 * span, or it continues a caller's trace); undefined otherwise. With no trace, the event carries no
 * trace context at all: its `correlationId` still links it to its causes, and the attribute it would
 * cost is serialised, checksummed and parsed on both ends of every message (`npm run bench`,
 * 2026-12-03: about 3 % of a message's client CPU).
 */
export function traceparentOfSpan(span: Span): string | undefined {
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? formatTraceparent(spanContext) : undefined;
}

export { SpanKind };
