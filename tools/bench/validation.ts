// `npm run bench:validation`: what validating one event costs with zod 4, in the forms a reader
// could use: safeParse (what decodeEnvelope uses: no exception on bad input) against parse in a
// try/catch, for valid events and for invalid ones, on the envelope and on the weather.changed
// data schema; then decodeEnvelope whole. Results to bench-results/validation-<time>.{txt,json}.
import { consumedEnvelopeSchema, createEnvelope, decodeEnvelope, gameEvents } from '@game-mesh/events';
import { benchOutput } from './results';

const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 200_000);
const valid = createEnvelope(gameEvents, {
  type: 'weather.changed',
  data: { previous: { condition: 'rain', intensity: 0.5, temperatureCelsius: 10 }, current: { condition: 'storm', intensity: 0.9, temperatureCelsius: 8 }, cause: 'simulation' },
  source: 'weather-manager',
});
const invalid = { ...valid, data: { ...valid.data, current: { ...valid.data.current, intensity: 'high' } } };
const dataSchema = gameEvents['weather.changed'].versions[1].schema;

/** Microseconds per call, after a warm-up of the same calls (median of 5 timed blocks). */
function measure(call: () => unknown): number {
  for (let i = 0; i < ITERATIONS / 4; i += 1) call();
  const blocks: number[] = [];
  for (let block = 0; block < 5; block += 1) {
    const started = performance.now();
    for (let i = 0; i < ITERATIONS / 5; i += 1) call();
    blocks.push(((performance.now() - started) * 1000) / (ITERATIONS / 5));
  }
  return Math.round(blocks.sort((a, b) => a - b)[2]! * 100) / 100;
}
const parseOrUndefined = (schema: { parse(value: unknown): unknown }, value: unknown) => {
  try {
    return schema.parse(value);
  } catch {
    return undefined;
  }
};

const rows: [string, number][] = [
  ['envelope safeParse, valid', measure(() => consumedEnvelopeSchema.safeParse(valid))],
  ['envelope parse in try, valid', measure(() => parseOrUndefined(consumedEnvelopeSchema, valid))],
  ['data safeParse, valid', measure(() => dataSchema.safeParse(valid.data))],
  ['data parse in try, valid', measure(() => parseOrUndefined(dataSchema, valid.data))],
  ['data safeParse, invalid', measure(() => dataSchema.safeParse(invalid.data))],
  ['data parse in try, invalid', measure(() => parseOrUndefined(dataSchema, invalid.data))],
  ['decodeEnvelope (all checks), valid', measure(() => decodeEnvelope(gameEvents, valid))],
  ['JSON.parse of the body alone', measure(() => JSON.parse(JSON.stringify(valid)) as unknown)],
];
const out = benchOutput('validation');
out.say(`node ${process.version}; ${ITERATIONS} calls per form after a quarter as warm-up; µs per call, median of 5 blocks\n`);
for (const [name, micros] of rows) out.say(`${name.padEnd(38)} ${micros} µs`);
out.save({ node: process.version, date: new Date().toISOString(), iterations: ITERATIONS, microsPerCall: Object.fromEntries(rows) });
