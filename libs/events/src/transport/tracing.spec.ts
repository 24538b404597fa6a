// Tests: traceparent.
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { contextFromTraceparent, parseTraceparent, traceparentFor } from './tracing';

describe('traceparent', () => {
  it('writes the active span context', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
    expect(traceparentFor(ctx)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  it('starts a new trace when there is no active span', () => {
    const a = traceparentFor(ROOT_CONTEXT);
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceparentFor(ROOT_CONTEXT)).not.toBe(a);
  });

  it('parses what it writes and restores it as the remote parent', () => {
    const value = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(parseTraceparent(value)).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    expect(trace.getSpanContext(contextFromTraceparent(value, ROOT_CONTEXT))?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('reads one written in upper case or padded, as the spec asks receivers to', () => {
    expect(parseTraceparent(' 00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01 ')?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it.each([undefined, '', 'garbage', '00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331'])(
    'ignores %j without failing',
    (value) => {
      expect(parseTraceparent(value)).toBeUndefined();
      expect(contextFromTraceparent(value, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    },
  );
});
