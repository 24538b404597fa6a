// Tests: startTracing, by the standard OTEL_* variables.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

/** A fresh process per case: the tracer provider is registered once per process, as in a service. */
async function inProcess(env: Record<string, string>): Promise<{ carrier: Record<string, string>; traceId: string; fields: Record<string, string>; outside: Record<string, string>; exporter: string }> {
  const { stdout } = await run(`${root}node_modules/.bin/tsx`, ['--tsconfig', 'tools/tsconfig.json', 'libs/runtime/test/fixtures/tracingProbe.ts', JSON.stringify(env)], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as never;
}

describe('startTracing, by the standard OTEL_* variables', () => {
  it('propagates W3C trace context and puts the span ids in log fields; exports nothing unless told', async () => {
    const result = await inProcess({});
    expect(result.carrier['traceparent']).toBe(`00-${result.traceId}-${result.fields['span_id']}-01`);
    expect(result.carrier['x-amzn-trace-id']).toBeUndefined();
    expect(result.fields['trace_id']).toBe(result.traceId);
    expect(result.outside).toEqual({});
    expect(result.exporter).toBe('none');
  }, 30_000);

  it('with OTEL_PROPAGATORS=tracecontext,xray: X-Ray trace ids (epoch seconds first) and the X-Ray header too', async () => {
    const result = await inProcess({ OTEL_PROPAGATORS: 'tracecontext,xray', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    const seconds = Number.parseInt(result.traceId.slice(0, 8), 16);
    expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(600);
    expect(result.carrier['x-amzn-trace-id']).toMatch(new RegExp(`^Root=1-${result.traceId.slice(0, 8)}-${result.traceId.slice(8)};Parent=[0-9a-f]{16};Sampled=1$`));
    expect(result.exporter).toBe('otlp/http http://127.0.0.1:9/v1/traces');
  }, 30_000);
});
