// npm start's log lines: service name, time, level and the fields that matter.
const COLORS = ['\u001b[36m', '\u001b[35m', '\u001b[33m', '\u001b[32m', '\u001b[34m'];
const RESET = '\u001b[0m';
const LEVEL_COLOR: Record<string, string> = { error: '\u001b[31m', fatal: '\u001b[31m', warn: '\u001b[33m' };
const SHOWN = ['eventType', 'eventId', 'queue', 'latencyMs', 'port', 'code', 'reason', 'err', 'trace_id'];

/** Formats one line of a service's output: pino JSON becomes `time level message key=value`, prefixed. */
export function formatLine(service: string, index: number, line: string, color: boolean): string {
  const prefix = color ? `${COLORS[index % COLORS.length]}${service.padEnd(16)}${RESET}` : service.padEnd(16);
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix} ${line}`;
  }
  if (typeof record !== 'object' || record === null || typeof record['msg'] !== 'string') return `${prefix} ${line}`;
  const level = String(record['level'] ?? 'info');
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 23) : '';
  const details = SHOWN.filter((key) => record[key] !== undefined).map((key) => `${key}=${describe(record[key])}`);
  const levelText = color && LEVEL_COLOR[level] ? `${LEVEL_COLOR[level]}${level.toUpperCase().padEnd(5)}${RESET}` : level.toUpperCase().padEnd(5);
  return `${prefix} ${time} ${levelText} ${record['msg']}${details.length > 0 ? `  ${details.join(' ')}` : ''}`;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'message' in value) return JSON.stringify((value as { message: unknown }).message);
  return typeof value === 'string' ? value : JSON.stringify(value);
}
