/** The logging surface the transport needs; pino loggers fit it as they are. */
export interface Logger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

const noop = (): void => undefined;

/** Default logger: says nothing. Apps pass their pino logger. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
