import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CLAIM_NAMES, type ClaimNames } from './auth/caller.js';
import type { JwtVerification } from './auth/caller-jwt.js';
import { DEV_JWT_SECRET } from './auth/dev-token.js';
import type { TracingConfig } from './observability/tracing-types.js';
import type { CorsOrigins } from './plugins/cors.js';
import {
  readTrustedDocuments,
  type TrustedDocuments,
  type TrustedDocumentsMode,
} from './protocol/trusted-documents.js';

/**
 * Every setting comes from the environment, parsed once at start-up. Bad values stop the
 * process with one line per problem; the typed, frozen Config is passed down from main.
 */

/** Reports `message` as the problem of the variable being parsed: return it from its transform. */
function invalid(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/**
 * A variable that may be unset: unset or blank (after trimming) gives `fallback`; any other value
 * goes through `parse`, which reports what is wrong with it through `invalid`.
 */
const optionalVariable = <T, F>(fallback: F, parse: (value: string, ctx: z.RefinementCtx) => T) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => (value === undefined || value === '' ? fallback : parse(value, ctx)));

const integer = (name: string, fallback: number, min: number, max: number) =>
  optionalVariable(fallback, (value, ctx) =>
    /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
      ? Number(value)
      : invalid(ctx, `${name} must be a whole number from ${min} to ${max}, got "${value}"`),
  );

/** A fraction in (0, 1], written as a decimal ("0.5", "1"). */
const fraction = (name: string, fallback: number) =>
  optionalVariable(fallback, (value, ctx) =>
    /^\d*\.?\d+$/.test(value) && Number(value) > 0 && Number(value) <= 1
      ? Number(value)
      : invalid(ctx, `${name} must be a number greater than 0 and at most 1, got "${value}"`),
  );

/** "true" / "false" (any case); unset or empty: undefined, so the default can depend on NODE_ENV. */
const flag = (name: string) =>
  optionalVariable(undefined, (value, ctx) => {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    return invalid(ctx, `${name} must be true or false, got "${value}"`);
  });

/** Any text; unset or blank gives `fallback`. */
const text = (fallback: string) => optionalVariable(fallback, (value) => value);

/**
 * Parses an absolute http(s) URL, reporting the problem under `name`. The raw value is never
 * echoed: a URL that fails to parse may still carry a password.
 */
function parseHttpUrl(value: string, name: string, ctx: z.RefinementCtx, echoProtocol: boolean): URL | undefined {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const problem =
    url === undefined
      ? `${name} must be an absolute http(s) URL`
      : url.protocol !== 'http:' && url.protocol !== 'https:'
        ? `${name} must use http or https${echoProtocol ? `, got "${url.protocol}"` : ''}`
        : undefined;
  if (problem === undefined) return url;
  ctx.addIssue({ code: 'custom', message: problem });
  return undefined;
}

/** An absolute http(s) URL without credentials, query or fragment; no trailing slash. */
const httpUrl = (name: string) =>
  optionalVariable(undefined, (value, ctx) => {
    const url = parseHttpUrl(value, name, ctx, true);
    if (url === undefined) return z.NEVER;
    if (url.username || url.password || url.search || url.hash) {
      return invalid(ctx, `${name} must not carry credentials, a query or a fragment`);
    }
    return url.toString().replace(/\/+$/, '');
  });

/**
 * An OTLP/HTTP endpoint, kept as given (collector URLs may carry credentials, which the OTel
 * exporter uses); its scheme is not echoed either, since "host:4318" parses with "host:" as one.
 */
const otlpUrl = (name: string) =>
  optionalVariable(undefined, (value, ctx) => (parseHttpUrl(value, name, ctx, false) ? value : z.NEVER));

const otlpProtocol = (name: string) =>
  z
    .enum(['http/protobuf', 'http/json', ''], {
      error: (issue) =>
        `${name} must be http/protobuf or http/json (grpc is not supported), got "${String(issue.input)}"`,
    })
    .optional()
    .transform((value) => (value ? value : undefined));

/** redis:// or rediss:// (TLS); a password in it is allowed (it is never echoed). */
const redisUrl = (name: string) =>
  optionalVariable(undefined, (value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    // Not echoed: a Redis URL usually carries its password.
    if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
      return invalid(ctx, `${name} must be a redis:// or rediss:// URL with a host`);
    }
    return value;
  });

/** pino's levels, most severe first; `silent` logs nothing. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Kept as given (not even trimmed: a secret is what it is); toConfig checks it with its peers. */
const checkedTogether = z.string().optional();

/** AUTH_COMPANY_CLAIM / AUTH_USER_CLAIM, apart so that readClaimNames (`npm run token`) reads them the same way. */
const ClaimNamesSchema = z.object({
  AUTH_COMPANY_CLAIM: text(DEFAULT_CLAIM_NAMES.company),
  AUTH_USER_CLAIM: text(DEFAULT_CLAIM_NAMES.user),
});

const EnvSchema = z.object({
  PORT: integer('PORT', 4000, 0, 65_535),
  HOST: text('0.0.0.0'),
  COINS_API_URL: httpUrl('COINS_API_URL'),
  COINS_API_TIMEOUT_MS: integer('COINS_API_TIMEOUT_MS', 10_000, 1, 600_000),
  COINS_API_RETRIES: integer('COINS_API_RETRIES', 2, 0, 10),
  COINS_API_BREAKER_FAILURES: integer('COINS_API_BREAKER_FAILURES', 5, 1, 1_000),
  COINS_API_BREAKER_COOLDOWN_MS: integer('COINS_API_BREAKER_COOLDOWN_MS', 10_000, 1, 3_600_000),
  COINS_API_BREAKER_FAILURE_RATE: fraction('COINS_API_BREAKER_FAILURE_RATE', 0.5),
  COINS_API_BREAKER_WINDOW_MS: integer('COINS_API_BREAKER_WINDOW_MS', 10_000, 100, 3_600_000),
  COINS_API_MAX_CONNECTIONS: integer('COINS_API_MAX_CONNECTIONS', 128, 1, 10_000),
  COINS_API_MAX_BODY_BYTES: integer('COINS_API_MAX_BODY_BYTES', 1_048_576, 1, 1_073_741_824),
  COINS_API_BATCH_CONCURRENCY: integer('COINS_API_BATCH_CONCURRENCY', 8, 1, 1_000),
  MAX_UPSTREAM_CALLS_PER_OPERATION: integer('MAX_UPSTREAM_CALLS_PER_OPERATION', 200, 1, 100_000),
  MAX_CLIENT_CONNECTIONS: integer('MAX_CLIENT_CONNECTIONS', 4_096, 1, 1_000_000),
  MAX_REQUESTS_IN_FLIGHT: integer('MAX_REQUESTS_IN_FLIGHT', 1_024, 0, 1_000_000),
  SHUTDOWN_TIMEOUT_MS: integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  SANDBOX_PORT: integer('SANDBOX_PORT', 0, 0, 65_535),
  CORS_ORIGINS: z.string().optional(),
  METRICS_PORT: optionalVariable(9464, (value, ctx) => {
    if (value === 'off') return undefined;
    if (/^\d+$/.test(value) && Number(value) <= 65_535) return Number(value);
    return invalid(ctx, `METRICS_PORT must be a port from 0 to 65535 or "off", got "${value}"`);
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl('OTEL_EXPORTER_OTLP_ENDPOINT'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol('OTEL_EXPORTER_OTLP_PROTOCOL'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'),
  OTEL_TRACES_EXPORTER: z
    .enum(['otlp', 'none'], {
      error: (issue) => `OTEL_TRACES_EXPORTER must be otlp or none, got "${String(issue.input)}"`,
    })
    .optional(),
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false', ''], {
      error: (issue) => `OTEL_SDK_DISABLED must be true or false, got "${String(issue.input)}"`,
    })
    .optional(),
  OTEL_SERVICE_NAME: text('coins-gateway'),
  COINS_OAUTH_TOKEN_URL: httpUrl('COINS_OAUTH_TOKEN_URL'),
  AUTH_DISABLED: z
    .enum(['true', 'false', ''], { error: () => 'AUTH_DISABLED must be true or false' })
    .optional()
    .transform((value) => value === 'true'),
  ...ClaimNamesSchema.shape,
  REDIS_URL: redisUrl('REDIS_URL'),
  REDIS_TIMEOUT_MS: integer('REDIS_TIMEOUT_MS', 200, 1, 60_000),
  RATE_LIMIT_OPERATIONS: integer('RATE_LIMIT_OPERATIONS', 0, 0, 1_000_000_000),
  RATE_LIMIT_WINDOW_MS: integer('RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 86_400_000),
  UPSTREAM_RATE_LIMIT_PER_SECOND: integer('UPSTREAM_RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
  NODE_ENV: z.string().trim().optional(),
  GRAPHIQL: flag('GRAPHIQL'),
  INTROSPECTION: flag('INTROSPECTION'),
  GRAPHQL_BATCH_LIMIT: integer('GRAPHQL_BATCH_LIMIT', 10, 0, 100),
  TRUSTED_DOCUMENTS: z
    .enum(['off', 'allow', 'required'], {
      error: (issue) => `TRUSTED_DOCUMENTS must be one of off, allow, required, got "${String(issue.input)}"`,
    })
    .optional(),
  TRUSTED_DOCUMENTS_FILE: z.string().trim().optional(),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, {
      error: (issue) => `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${String(issue.input)}"`,
    })
    .optional()
    .default('info'),
  // Checked together in toConfig (all four credentials or none, a secret or its file, one key for
  // caller JWTs); declared here so that the schema names every variable the gateway reads.
  COINS_OAUTH_CLIENT_ID: checkedTogether,
  COINS_OAUTH_CLIENT_SECRET: checkedTogether,
  COINS_OAUTH_CLIENT_SECRET_FILE: checkedTogether,
  COINS_OAUTH_USERNAME: checkedTogether,
  COINS_OAUTH_PASSWORD: checkedTogether,
  COINS_OAUTH_PASSWORD_FILE: checkedTogether,
  AUTH_JWT_SECRET: checkedTogether,
  AUTH_JWT_SECRET_FILE: checkedTogether,
  AUTH_JWKS_URL: checkedTogether,
  AUTH_JWT_ISSUER: checkedTogether,
  AUTH_JWT_AUDIENCE: checkedTogether,
});

/** The variables as parsed one by one: what toConfig checks together and turns into a Config. */
type Env = z.output<typeof EnvSchema>;

/**
 * The checks across variables, then the typed, frozen Config. Zod runs it only when every
 * variable passed its own check; its problems are reported like theirs.
 */
function toConfig(e: Env, ctx: z.RefinementCtx) {
  const credentials = readServiceCredentials(e);
  const problems = [...credentials.problems];
  const corsOrigins = parseCorsOrigins(e.CORS_ORIGINS, e.COINS_API_URL === undefined, problems);
  if (e.COINS_OAUTH_TOKEN_URL !== undefined && credentials.value === undefined && credentials.problems.length === 0) {
    problems.push(`COINS_OAUTH_TOKEN_URL is set, but ${CREDENTIAL_NAMES.join(', ')} are not`);
  }
  if (credentials.value !== undefined) {
    // The client secret and password go to the token URL, and the token, which acts for every
    // company of the partner, with every coins call: never in clear text across a network.
    for (const [name, url] of [
      ['COINS_API_URL', e.COINS_API_URL],
      ['COINS_OAUTH_TOKEN_URL', e.COINS_OAUTH_TOKEN_URL],
    ] as const) {
      if (url !== undefined && !isHttpsOrLoopback(new URL(url))) {
        problems.push(
          `${name} must be an https URL with service credentials (COINS_OAUTH_*); http only on a loopback host`,
        );
      }
    }
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    problems.push('METRICS_PORT must differ from PORT: metrics are never served on the public port');
  }
  if (e.RATE_LIMIT_WINDOW_MS % 1000 !== 0) {
    problems.push(`RATE_LIMIT_WINDOW_MS must be whole seconds (a multiple of 1000), got "${e.RATE_LIMIT_WINDOW_MS}"`);
  }
  const production = e.NODE_ENV === 'production';
  if (production && e.COINS_API_URL === undefined) {
    problems.push(
      'COINS_API_URL is required when NODE_ENV=production: the built-in sandbox (fake data, any token accepted) never runs in production',
    );
  }
  const trusted = parseTrustedDocuments(e.TRUSTED_DOCUMENTS, e.TRUSTED_DOCUMENTS_FILE, problems);
  const jwt = readJwtVerification(e, e.COINS_API_URL === undefined, problems);
  const jwtConfigured = JWT_KEY_VARIABLES.some((name) => e[name]?.trim());
  // With broken service credentials, which mode was meant is unclear: those problems come first.
  if (credentials.problems.length === 0) {
    checkCallerAuthMode(credentials.value !== undefined, jwtConfigured, e.AUTH_DISABLED, problems);
  }
  if (problems.length > 0) {
    for (const problem of problems) ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  // @default: the value when the variable is unset or empty (the README's configuration table).
  return Object.freeze({
    /** PORT. @default 4000 */
    port: e.PORT,
    /** HOST. @default '0.0.0.0' */
    host: e.HOST,
    /** undefined: no upstream configured, the built-in sandbox is started instead. */
    coinsApiUrl: e.COINS_API_URL,
    /** Deadline of one upstream call, retries included. @default 10000 */
    coinsApiTimeoutMs: e.COINS_API_TIMEOUT_MS,
    /** Extra attempts of an idempotent call. @default 2 */
    coinsApiRetries: e.COINS_API_RETRIES,
    /** Consecutive failed calls that open the circuit breaker. @default 5 */
    breakerFailures: e.COINS_API_BREAKER_FAILURES,
    /** How long an open breaker refuses calls before a trial call. @default 10000 */
    breakerCooldownMs: e.COINS_API_BREAKER_COOLDOWN_MS,
    /** The breaker also needs this share of failed calls over the window to open. @default 0.5 */
    breakerFailureRate: e.COINS_API_BREAKER_FAILURE_RATE,
    /** The window of that share. @default 10000 */
    breakerWindowMs: e.COINS_API_BREAKER_WINDOW_MS,
    /** Upstream connections at most. @default 128 */
    maxConnections: e.COINS_API_MAX_CONNECTIONS,
    /** Larger upstream bodies are cut off. @default 1048576 */
    maxBodyBytes: e.COINS_API_MAX_BODY_BYTES,
    /** Upstream calls in flight per operation when a list fans out. @default 8 */
    batchConcurrency: e.COINS_API_BATCH_CONCURRENCY,
    /** Upstream calls one operation may need (counted from its arguments before it runs). @default 200 */
    maxUpstreamCallsPerOperation: e.MAX_UPSTREAM_CALLS_PER_OPERATION,
    /** Open client connections at most; past it new ones are closed unread. @default 4096 */
    maxClientConnections: e.MAX_CLIENT_CONNECTIONS,
    /**
     * Requests handled at once at most; the limit in force adapts below it to the CPU, and requests
     * past it wait unread. 0 = no admission control. @default 1024
     */
    maxRequestsInFlight: e.MAX_REQUESTS_IN_FLIGHT,
    /** How long in-flight operations may take to finish on SIGTERM/SIGINT. @default 10000 */
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    /** 0 = an ephemeral port. @default 0 */
    sandboxPort: e.SANDBOX_PORT,
    /** @default 'info' */
    logLevel: e.LOG_LEVEL,
    /**
     * Origins browsers may call from: '*' (sandbox mode only) or exact origins; [] = none.
     * @default '*' in sandbox mode, else []
     */
    corsOrigins,
    /** Set: the gateway holds the partner's EnKash credentials (service mode); unset: forwarding. */
    serviceCredentials:
      credentials.value &&
      Object.freeze({
        ...credentials.value,
        /** undefined: the upstream's `/oauth/token` (COINS_API_URL's, or the sandbox's). */
        tokenUrl: e.COINS_OAUTH_TOKEN_URL,
      }),
    /** undefined: no metrics listener (METRICS_PORT=off); 0 = an ephemeral port. @default 9464 */
    metricsPort: e.METRICS_PORT,
    /** undefined: tracing off (no OTLP endpoint configured), and the OpenTelemetry SDK is never loaded. */
    tracing: tracingConfig(e),
    /** Set: state shared by every replica lives in this Redis; unset: everything is per process. */
    redisUrl: e.REDIS_URL,
    /** No Redis operation is waited on longer than this; then the per-process state serves. @default 200 */
    redisTimeoutMs: e.REDIS_TIMEOUT_MS,
    /** Operations per caller per window; 0 = no per-caller limit. @default 0 */
    rateLimitOperations: e.RATE_LIMIT_OPERATIONS,
    /** The per-caller window (whole seconds). @default 60000 */
    rateLimitWindowMs: e.RATE_LIMIT_WINDOW_MS,
    /** Upstream calls per second across all replicas; 0 = no cap. @default 0 */
    upstreamRateLimitPerSecond: e.UPSTREAM_RATE_LIMIT_PER_SECOND,
    /** @default false with NODE_ENV=production (which also requires COINS_API_URL, above), else true */
    graphiql: e.GRAPHIQL ?? !production,
    /** @default false with NODE_ENV=production, else true */
    introspection: e.INTROSPECTION ?? !production,
    /** Operations per JSON-array request; 0 = batching off. @default 10 */
    batchLimit: e.GRAPHQL_BATCH_LIMIT,
    /** @default 'allow' with TRUSTED_DOCUMENTS_FILE, else 'off' */
    trustedDocumentsMode: trusted.mode,
    /** The manifest of TRUSTED_DOCUMENTS_FILE; undefined when the mode is off. */
    trustedDocuments: trusted.documents,
    /** How the gateway's own callers are authenticated (service mode only). */
    callerAuth: Object.freeze({
      /** undefined: no caller JWTs (forwarding mode, or service mode with AUTH_DISABLED=true). */
      jwt,
      /** AUTH_DISABLED=true: in service mode, anyone who can reach the gateway acts as the partner. @default false */
      disabled: e.AUTH_DISABLED,
      /** @default { company: 'companies', user: 'sub' } */
      claims: claimNames(e),
    }),
  });
}

const ConfigSchema = EnvSchema.transform(toConfig);

/** The gateway's settings: what ConfigSchema makes of the environment. */
export type Config = z.output<typeof ConfigSchema>;
/** The partner's EnKash OAuth credentials, from COINS_OAUTH_* (secrets possibly from files). */
export type ServiceCredentials = NonNullable<Config['serviceCredentials']>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => issue.message);
  // A variable refused on its own (an issue with a path) stops zod before toConfig: the service
  // credentials' problems are listed too, so that one failed start names them all.
  if (parsed.error.issues.some((issue) => issue.path.length > 0)) {
    problems.push(...readServiceCredentials(env).problems);
  }
  throw new ConfigError(problems);
}

const CREDENTIAL_NAMES = [
  'COINS_OAUTH_CLIENT_ID',
  'COINS_OAUTH_CLIENT_SECRET',
  'COINS_OAUTH_USERNAME',
  'COINS_OAUTH_PASSWORD',
] as const;

type CredentialName = (typeof CREDENTIAL_NAMES)[number];
type SecretFileVariable = 'COINS_OAUTH_CLIENT_SECRET_FILE' | 'COINS_OAUTH_PASSWORD_FILE';

/** Secrets that may come from a file instead (the Docker/Kubernetes secrets convention). */
const FILE_VARIANTS: Partial<Record<CredentialName, SecretFileVariable>> = {
  COINS_OAUTH_CLIENT_SECRET: 'COINS_OAUTH_CLIENT_SECRET_FILE',
  COINS_OAUTH_PASSWORD: 'COINS_OAUTH_PASSWORD_FILE',
};

/** The partner's EnKash OAuth credentials (the password grant's four values). */
interface PartnerCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly username: string;
  readonly password: string;
}

/**
 * All four service credentials or none: a partial set is a mistake, and guessing which mode was
 * meant would be unsafe. Problems name variables and files, never a value.
 */
function readServiceCredentials(env: Partial<Record<CredentialName | SecretFileVariable, string>>): {
  value?: PartnerCredentials;
  problems: string[];
} {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const given = new Set<string>();
  for (const name of CREDENTIAL_NAMES) {
    const direct = env[name];
    const fileName = FILE_VARIANTS[name];
    const file = fileName === undefined ? undefined : env[fileName];
    const hasDirect = direct !== undefined && direct !== '';
    const hasFile = file !== undefined && file.trim() !== '';
    if (hasDirect || hasFile) given.add(name);
    if (hasDirect && hasFile) {
      problems.push(`Set either ${name} or ${fileName}, not both`);
    } else if (hasDirect) {
      values.set(name, direct);
    } else if (hasFile) {
      const read = readSecretFile(fileName as string, file.trim());
      if (typeof read === 'string') values.set(name, read);
      else problems.push(read.problem);
    }
  }
  if (given.size === 0) return { problems };
  const missing = CREDENTIAL_NAMES.filter((name) => !given.has(name)).map((name) =>
    FILE_VARIANTS[name] ? `${name} (or ${FILE_VARIANTS[name]})` : name,
  );
  if (missing.length > 0) {
    problems.push(
      `Service credentials need all of ${CREDENTIAL_NAMES.join(', ')} or none; missing: ${missing.join(', ')}`,
    );
  }
  // Basic authentication cannot carry a colon in the user-id (RFC 7617).
  if (values.get('COINS_OAUTH_CLIENT_ID')?.includes(':')) problems.push('COINS_OAUTH_CLIENT_ID must not contain ":"');
  if (problems.length > 0) return { problems };
  return {
    problems,
    value: {
      clientId: values.get('COINS_OAUTH_CLIENT_ID') as string,
      clientSecret: values.get('COINS_OAUTH_CLIENT_SECRET') as string,
      username: values.get('COINS_OAUTH_USERNAME') as string,
      password: values.get('COINS_OAUTH_PASSWORD') as string,
    },
  };
}

/** https, or http to this machine (the sandbox, a local proxy): secrets never cross a network in clear text. */
function isHttpsOrLoopback(url: URL): boolean {
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
  );
}

/** Any of these set means caller JWTs were asked for (even if the value itself is refused). */
const JWT_KEY_VARIABLES = ['AUTH_JWT_SECRET', 'AUTH_JWT_SECRET_FILE', 'AUTH_JWKS_URL'] as const;

/**
 * Service credentials act for every company of the partner, so in service mode the gateway must
 * know who calls (caller JWTs), unless the operator says explicitly that it need not. Caller JWTs
 * without service credentials cannot work: the one Authorization header would have to carry both
 * the caller's JWT and an EnKash token.
 */
function checkCallerAuthMode(serviceMode: boolean, jwtGiven: boolean, disabled: boolean, problems: string[]): void {
  if (serviceMode && !jwtGiven && !disabled) {
    problems.push(
      'COINS_OAUTH_* service credentials need caller authentication: set AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE or ' +
        'AUTH_JWKS_URL, or AUTH_DISABLED=true to let anyone who can reach the gateway act as the partner',
    );
  }
  if (!serviceMode && jwtGiven) {
    problems.push(
      'AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE and AUTH_JWKS_URL need service credentials (COINS_OAUTH_*): ' +
        "without them the caller's Authorization header goes upstream and cannot carry a caller JWT too",
    );
  }
  if (!serviceMode && disabled) problems.push('AUTH_DISABLED applies only with service credentials (COINS_OAUTH_*)');
  if (jwtGiven && disabled)
    problems.push(
      'AUTH_DISABLED=true contradicts AUTH_JWT_SECRET/AUTH_JWT_SECRET_FILE/AUTH_JWKS_URL: set one or the other',
    );
}

/** HS256 secrets shorter than this are refused (RFC 7518: a key at least as long as the hash). */
const MIN_JWT_SECRET_BYTES = 32;

/**
 * AUTH_JWT_SECRET / AUTH_JWT_SECRET_FILE (HS256) or AUTH_JWKS_URL, never both; AUTH_JWT_ISSUER
 * and AUTH_JWT_AUDIENCE only with one of them. Messages name variables, never a value.
 */
function readJwtVerification(env: Env, sandboxMode: boolean, problems: string[]): JwtVerification | undefined {
  const jwksUrl = trimmedOrUndefined(env.AUTH_JWKS_URL);
  const claimChecks = readJwtClaimChecks(env);
  const jwtSecret = readJwtSecret(env);
  if (jwtSecret !== undefined && 'problem' in jwtSecret) {
    problems.push(jwtSecret.problem);
    return undefined;
  }
  const secret = jwtSecret?.secret;
  const secretName = jwtSecret?.variable ?? 'AUTH_JWT_SECRET';
  if (secret !== undefined && jwksUrl !== undefined) {
    problems.push(`Set either ${secretName} or AUTH_JWKS_URL, not both`);
    return undefined;
  }
  if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (secret === DEV_JWT_SECRET && !sandboxMode) {
      problems.push(
        `${secretName} is the documented development secret: it is allowed only in sandbox mode (COINS_API_URL unset)`,
      );
      return undefined;
    }
    return Object.freeze({ key: Object.freeze({ secret: bytes }), ...claimChecks });
  }
  if (jwksUrl !== undefined) {
    const url = URL.canParse(jwksUrl) ? new URL(jwksUrl) : undefined;
    // Keys fetched over plain http could be swapped by anyone on the path, and forge every token.
    if (url === undefined || !isHttpsOrLoopback(url)) {
      problems.push('AUTH_JWKS_URL must be an absolute https URL (http only on a loopback host)');
      return undefined;
    }
    if (url.username || url.password || url.hash) {
      problems.push('AUTH_JWKS_URL must not carry credentials or a fragment');
      return undefined;
    }
    return Object.freeze({ key: Object.freeze({ jwksUrl: url.toString() }), ...claimChecks });
  }
  if (claimChecks.issuer !== undefined)
    problems.push('AUTH_JWT_ISSUER is set, but neither AUTH_JWT_SECRET(_FILE) nor AUTH_JWKS_URL is');
  if (claimChecks.audience !== undefined)
    problems.push('AUTH_JWT_AUDIENCE is set, but neither AUTH_JWT_SECRET(_FILE) nor AUTH_JWKS_URL is');
  return undefined;
}

/**
 * The caller JWT's claim names (AUTH_COMPANY_CLAIM, AUTH_USER_CLAIM: trimmed, blank = the default).
 * Exported for `npm run token`, which must write the claims the gateway reads.
 */
export function readClaimNames(
  env: Readonly<Partial<Record<'AUTH_COMPANY_CLAIM' | 'AUTH_USER_CLAIM', string>>>,
): ClaimNames {
  return claimNames(ClaimNamesSchema.parse(env));
}

function claimNames(e: z.output<typeof ClaimNamesSchema>): ClaimNames {
  return Object.freeze({ company: e.AUTH_COMPANY_CLAIM, user: e.AUTH_USER_CLAIM });
}

/**
 * AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE, trimmed; blank is unset. Exported for `npm run token`,
 * which must sign the `iss` and `aud` the gateway checks.
 */
export function readJwtClaimChecks(env: Readonly<Partial<Record<'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE', string>>>): {
  issuer?: string;
  audience?: string;
} {
  const issuer = trimmedOrUndefined(env.AUTH_JWT_ISSUER);
  const audience = trimmedOrUndefined(env.AUTH_JWT_AUDIENCE);
  return { ...(issuer ? { issuer } : {}), ...(audience ? { audience } : {}) };
}

function trimmedOrUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * The HS256 secret from AUTH_JWT_SECRET (as given) or from the file named by AUTH_JWT_SECRET_FILE
 * (the path trimmed), at least MIN_JWT_SECRET_BYTES long; undefined when neither is set. Exported
 * for `npm run token`, which must sign with exactly the secret the gateway verifies with, and
 * refuse one the gateway would refuse. Problems name variables, never the value.
 */
export function readJwtSecret(
  env: Readonly<Partial<Record<'AUTH_JWT_SECRET' | 'AUTH_JWT_SECRET_FILE', string>>>,
): { secret: string; variable: 'AUTH_JWT_SECRET' | 'AUTH_JWT_SECRET_FILE' } | { problem: string } | undefined {
  const secretFile = env.AUTH_JWT_SECRET_FILE?.trim();
  if (env.AUTH_JWT_SECRET && secretFile)
    return { problem: 'Set either AUTH_JWT_SECRET or AUTH_JWT_SECRET_FILE, not both' };
  let secret: string;
  let variable: 'AUTH_JWT_SECRET' | 'AUTH_JWT_SECRET_FILE';
  if (env.AUTH_JWT_SECRET) {
    secret = env.AUTH_JWT_SECRET;
    variable = 'AUTH_JWT_SECRET';
  } else if (secretFile) {
    const read = readSecretFile('AUTH_JWT_SECRET_FILE', secretFile);
    if (typeof read !== 'string') return read;
    secret = read;
    variable = 'AUTH_JWT_SECRET_FILE';
  } else {
    return undefined;
  }
  if (new TextEncoder().encode(secret).byteLength < MIN_JWT_SECRET_BYTES)
    return { problem: `${variable} must be at least ${MIN_JWT_SECRET_BYTES} bytes long` };
  return { secret, variable };
}

/** The file's text without its trailing newline (what `echo` and most editors add). */
function readSecretFile(variable: string, path: string): string | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { problem: `${variable}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}` };
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') return { problem: `${variable}: ${path} is empty` };
  return secret;
}

/**
 * TRUSTED_DOCUMENTS defaults to allow when a manifest is given, else off. allow or required
 * without a manifest is refused: required would run nothing, allow would silently be off.
 */
function parseTrustedDocuments(
  mode: TrustedDocumentsMode | undefined,
  file: string | undefined,
  problems: string[],
): { mode: TrustedDocumentsMode; documents: TrustedDocuments | undefined } {
  const effective = mode ?? (file ? 'allow' : 'off');
  if (effective === 'off') return { mode: effective, documents: undefined };
  if (!file) {
    problems.push(`TRUSTED_DOCUMENTS=${effective} needs TRUSTED_DOCUMENTS_FILE (the manifest codegen writes)`);
    return { mode: effective, documents: undefined };
  }
  try {
    return { mode: effective, documents: readTrustedDocuments(file) };
  } catch (error) {
    problems.push((error as Error).message);
    return { mode: effective, documents: undefined };
  }
}

/**
 * CORS_ORIGINS: comma-separated exact origins ("https://app.example.com"), each written the way
 * a browser sends its Origin header (lower case, no default port, no path or trailing slash):
 * anything else would silently never match, so it is refused. `*` (any origin) only in sandbox
 * mode, where it is the default; with a real upstream the default is no cross-origin access.
 */
function parseCorsOrigins(raw: string | undefined, sandboxMode: boolean, problems: string[]): CorsOrigins {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
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

/**
 * Tracing is on when an OTLP endpoint is set (and neither OTEL_SDK_DISABLED=true nor
 * OTEL_TRACES_EXPORTER=none says otherwise). As the OpenTelemetry spec says, the traces endpoint
 * is used as is and the general one gets `/v1/traces` appended.
 */
function tracingConfig(e: Env): TracingConfig | undefined {
  if (e.OTEL_SDK_DISABLED === 'true' || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? undefined
      : `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return undefined;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: e.OTEL_SERVICE_NAME,
  };
}
