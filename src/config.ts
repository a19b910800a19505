import { z } from 'zod';
import type { LogLevel } from './logging/logger.js';
import type { CorsOrigins } from './server/cors.js';

/**
 * Every setting comes from the environment, parsed once at start-up. Bad values stop the
 * process with one line per problem; the typed, frozen Config is passed down from main.
 */
const integer = (name: string, fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}, got "${value}"` });
        return z.NEVER;
      }
      return Number(value);
    });

const EnvSchema = z.object({
  PORT: integer('PORT', 4000, 0, 65_535),
  HOST: z.string().trim().optional().transform((value) => (value ? value : '0.0.0.0')),
  COINS_API_URL: z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return undefined;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        // Not echoed: a URL that fails to parse may still carry a password.
        ctx.addIssue({ code: 'custom', message: 'COINS_API_URL must be an absolute http(s) URL' });
        return z.NEVER;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        ctx.addIssue({ code: 'custom', message: `COINS_API_URL must use http or https, got "${url.protocol}"` });
        return z.NEVER;
      }
      if (url.username || url.password || url.search || url.hash) {
        ctx.addIssue({ code: 'custom', message: 'COINS_API_URL must not carry credentials, a query or a fragment' });
        return z.NEVER;
      }
      return url.toString().replace(/\/+$/, '');
    }),
  COINS_API_TIMEOUT_MS: integer('COINS_API_TIMEOUT_MS', 10_000, 1, 600_000),
  COINS_API_RETRIES: integer('COINS_API_RETRIES', 2, 0, 10),
  COINS_API_BREAKER_FAILURES: integer('COINS_API_BREAKER_FAILURES', 5, 1, 1_000),
  COINS_API_BREAKER_COOLDOWN_MS: integer('COINS_API_BREAKER_COOLDOWN_MS', 10_000, 1, 3_600_000),
  COINS_API_MAX_CONNECTIONS: integer('COINS_API_MAX_CONNECTIONS', 32, 1, 10_000),
  COINS_API_MAX_BODY_BYTES: integer('COINS_API_MAX_BODY_BYTES', 1_048_576, 1, 1_073_741_824),
  COINS_API_BATCH_CONCURRENCY: integer('COINS_API_BATCH_CONCURRENCY', 8, 1, 1_000),
  SHUTDOWN_TIMEOUT_MS: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  SANDBOX_PORT: integer('SANDBOX_PORT', 0, 0, 65_535),
  CORS_ORIGINS: z.string().optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: (issue) => `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${String(issue.input)}"`,
    })
    .optional()
    .default('info'),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** undefined: no upstream configured, the built-in sandbox is started instead. */
  readonly coinsApiUrl: string | undefined;
  readonly coinsApiTimeoutMs: number;
  readonly coinsApiRetries: number;
  readonly breakerFailures: number;
  readonly breakerCooldownMs: number;
  readonly maxConnections: number;
  readonly maxBodyBytes: number;
  readonly batchConcurrency: number;
  readonly shutdownTimeoutMs: number;
  /** 0 = an ephemeral port. */
  readonly sandboxPort: number;
  readonly logLevel: LogLevel;
  /** Origins browsers may call from: '*' (sandbox mode only) or exact origins; [] = none. */
  readonly corsOrigins: CorsOrigins;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const corsOrigins = parseCorsOrigins(e.CORS_ORIGINS, e.COINS_API_URL === undefined, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    coinsApiUrl: e.COINS_API_URL,
    coinsApiTimeoutMs: e.COINS_API_TIMEOUT_MS,
    coinsApiRetries: e.COINS_API_RETRIES,
    breakerFailures: e.COINS_API_BREAKER_FAILURES,
    breakerCooldownMs: e.COINS_API_BREAKER_COOLDOWN_MS,
    maxConnections: e.COINS_API_MAX_CONNECTIONS,
    maxBodyBytes: e.COINS_API_MAX_BODY_BYTES,
    batchConcurrency: e.COINS_API_BATCH_CONCURRENCY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    sandboxPort: e.SANDBOX_PORT,
    logLevel: e.LOG_LEVEL,
    corsOrigins,
  });
}

/**
 * CORS_ORIGINS: comma-separated exact origins ("https://app.example.com"), each written the way
 * a browser sends its Origin header (lower case, no default port, no path or trailing slash):
 * anything else would silently never match, so it is refused. `*` (any origin) only in sandbox
 * mode, where it is the default; with a real upstream the default is no cross-origin access.
 */
function parseCorsOrigins(raw: string | undefined, sandboxMode: boolean, problems: string[]): CorsOrigins {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) return sandboxMode ? '*' : [];
  if (entries.includes('*')) {
    if (entries.length > 1) problems.push('CORS_ORIGINS: "*" must stand alone');
    else if (!sandboxMode) problems.push('CORS_ORIGINS may be "*" only in sandbox mode (COINS_API_URL unset)');
    return '*';
  }
  entries.forEach((entry, index) => {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      // WHATWG URL keeps "*" in a host name: a wildcard like https://*.example.com would never match.
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.host.includes('*')) origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry) {
      problems.push(
        `CORS_ORIGINS entry ${index + 1} is not an exact origin: scheme://host[:port] in lower case, http or https, ` +
          'without path, trailing slash or default port',
      );
    }
  });
  return Object.freeze(entries);
}
