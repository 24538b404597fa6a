// The services' JSON logger (pino), with the active span's ids in every line.
import { pino, type Logger as PinoLogger } from 'pino';
import { traceFields } from './tracing';

export type ServiceLogger = PinoLogger;

/** JSON logs to stdout, one line per record, with the service name on every line and the trace and span ids on every line written inside a span. */
export function createLogger(service: string, level: string): ServiceLogger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
  });
}
