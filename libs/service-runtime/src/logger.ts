import { pino, type Logger as PinoLogger } from 'pino';

export type ServiceLogger = PinoLogger;

/** JSON logs to stdout, one line per record, with the service name on every line. */
export function createLogger(service: string, level: string): ServiceLogger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
