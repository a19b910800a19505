import { pino, type DestinationStream, type LevelWithSilent, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'password',
  'clientSecret',
  '*.password',
  '*.clientSecret',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
];
const REDACTED = '[redacted]';

/**
 * Structured JSON logs, one line per event. Anything that could carry a credential is redacted
 * by path, as a second line of defence: no code path logs a header object on purpose.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'coins-gateway' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    destination,
  );
}

/**
 * For lines whose every field the code sets itself (the access log): the same secret names are
 * redacted at the top level only. pino's wildcard paths (`*.x`) cost more than the rest of the
 * access log line (README, Performance notes); a line per request cannot pay that.
 */
export function fixedShapeLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: REDACT_PATHS.filter((path) => !path.includes('*')), censor: REDACTED } });
}
