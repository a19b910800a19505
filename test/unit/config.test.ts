import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET } from '../../src/auth/dev-token.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { configProblems as problems, PARTNER_CREDENTIALS, useConfigFiles } from '../helpers/config-env.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      coinsApiUrl: undefined,
      coinsApiTimeoutMs: 10_000,
      coinsApiRetries: 2,
      breakerFailures: 5,
      breakerCooldownMs: 10_000,
      breakerFailureRate: 0.5,
      breakerWindowMs: 10_000,
      maxConnections: 128,
      maxBodyBytes: 1_048_576,
      batchConcurrency: 8,
      maxUpstreamCallsPerOperation: 200,
      maxClientConnections: 4096,
      maxRequestsInFlight: 1024,
      shutdownTimeoutMs: 10_000,
      sandboxPort: 0,
      logLevel: 'info',
      corsOrigins: '*',
      serviceCredentials: undefined,
      metricsPort: 9464,
      tracing: undefined,
      redisUrl: undefined,
      redisTimeoutMs: 200,
      rateLimitOperations: 0,
      rateLimitWindowMs: 60_000,
      upstreamRateLimitPerSecond: 0,
      graphiql: true,
      introspection: true,
      batchLimit: 10,
      trustedDocumentsMode: 'off',
      trustedDocuments: undefined,
      callerAuth: { jwt: undefined, disabled: false, claims: { company: 'companies', user: 'sub' } },
    });
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        COINS_API_URL: 'https://coins.example.com/base/',
        COINS_API_TIMEOUT_MS: '300',
        COINS_API_RETRIES: '0',
        COINS_API_BREAKER_FAILURES: '3',
        COINS_API_BREAKER_COOLDOWN_MS: '500',
        COINS_API_BREAKER_FAILURE_RATE: '0.25',
        COINS_API_BREAKER_WINDOW_MS: '2000',
        MAX_CLIENT_CONNECTIONS: '100',
        MAX_REQUESTS_IN_FLIGHT: '0',
        COINS_API_MAX_CONNECTIONS: '4',
        COINS_API_MAX_BODY_BYTES: '2048',
        COINS_API_BATCH_CONCURRENCY: '2',
        MAX_UPSTREAM_CALLS_PER_OPERATION: '50',
        SHUTDOWN_TIMEOUT_MS: '0',
        SANDBOX_PORT: '4100',
        LOG_LEVEL: 'debug',
        CORS_ORIGINS: 'https://app.example.com',
        METRICS_PORT: '9100',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'coins-gateway-eu',
        NODE_ENV: 'production',
        GRAPHIQL: 'TRUE',
        INTROSPECTION: 'false',
        GRAPHQL_BATCH_LIMIT: '3',
        TRUSTED_DOCUMENTS: 'off',
        AUTH_COMPANY_CLAIM: 'tenants',
        AUTH_USER_CLAIM: 'uid',
      }),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      coinsApiUrl: 'https://coins.example.com/base',
      coinsApiTimeoutMs: 300,
      coinsApiRetries: 0,
      breakerFailures: 3,
      breakerCooldownMs: 500,
      breakerFailureRate: 0.25,
      breakerWindowMs: 2000,
      maxConnections: 4,
      maxBodyBytes: 2048,
      batchConcurrency: 2,
      maxUpstreamCallsPerOperation: 50,
      maxClientConnections: 100,
      maxRequestsInFlight: 0,
      shutdownTimeoutMs: 0,
      sandboxPort: 4100,
      logLevel: 'debug',
      corsOrigins: ['https://app.example.com'],
      serviceCredentials: undefined,
      metricsPort: 9100,
      tracing: { url: 'https://otel.example.com/traces', protocol: 'http/json', serviceName: 'coins-gateway-eu' },
      redisUrl: undefined,
      redisTimeoutMs: 200,
      rateLimitOperations: 0,
      rateLimitWindowMs: 60_000,
      upstreamRateLimitPerSecond: 0,
      graphiql: true,
      introspection: false,
      batchLimit: 3,
      trustedDocumentsMode: 'off',
      trustedDocuments: undefined,
      callerAuth: { jwt: undefined, disabled: false, claims: { company: 'tenants', user: 'uid' } },
    });
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
    ['blank', '   '],
  ])('COINS_API_URL %s means no upstream (the sandbox)', (_label, value) => {
    expect(loadConfig({ COINS_API_URL: value }).coinsApiUrl).toBeUndefined();
  });

  it.each([
    ['1', 1],
    ['1.0', 1],
    ['.25', 0.25],
    ['0.01', 0.01],
  ])('COINS_API_BREAKER_FAILURE_RATE=%s is %d', (value, rate) => {
    expect(loadConfig({ COINS_API_BREAKER_FAILURE_RATE: value }).breakerFailureRate).toBe(rate);
  });

  it('empty numeric variables fall back to their defaults', () => {
    expect(loadConfig({ PORT: '', COINS_API_TIMEOUT_MS: '' })).toMatchObject({ port: 4000, coinsApiTimeoutMs: 10_000 });
  });

  it('METRICS_PORT=off disables the metrics listener; 0 is an ephemeral port', () => {
    expect(loadConfig({ METRICS_PORT: 'off' }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '0', PORT: '0' }).metricsPort).toBe(0);
  });

  describe('tracing', () => {
    it('is off without an OTLP endpoint', () => {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'x' }).tracing).toBeUndefined();
    });

    it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, defaults to http/protobuf and coins-gateway', () => {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
        url: 'http://collector:4318/v1/traces',
        protocol: 'http/protobuf',
        serviceName: 'coins-gateway',
      });
    });

    it('prefers the traces-specific endpoint and protocol', () => {
      expect(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        }).tracing,
      ).toEqual({ url: 'http://traces:4318/custom', protocol: 'http/protobuf', serviceName: 'coins-gateway' });
    });

    it.each([
      ['OTEL_SDK_DISABLED', 'true'],
      ['OTEL_TRACES_EXPORTER', 'none'],
    ])('%s=%s turns it off even with an endpoint', (name, value) => {
      expect(
        loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value }).tracing,
      ).toBeUndefined();
    });

    it('never echoes an endpoint it refuses', () => {
      expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:s3cr3t@collector' }).join('\n')).not.toContain(
        's3cr3t',
      );
    });
  });

  it('an empty HOST means all interfaces', () => {
    expect(loadConfig({ HOST: '' }).host).toBe('0.0.0.0');
  });

  /** Variables whose refusal reads `NAME must be RULE, got "VALUE"`, with the values refused. */
  const RULES: [name: string, rule: string, refused: string[]][] = [
    ['PORT', 'a whole number from 0 to 65535', ['abc', '65536', '-1', '80.5']],
    ['COINS_API_TIMEOUT_MS', 'a whole number from 1 to 600000', ['0', '1e3']],
    ['COINS_API_RETRIES', 'a whole number from 0 to 10', ['11']],
    ['COINS_API_BREAKER_FAILURES', 'a whole number from 1 to 1000', ['0']],
    ['COINS_API_BREAKER_COOLDOWN_MS', 'a whole number from 1 to 3600000', ['x']],
    ['COINS_API_MAX_CONNECTIONS', 'a whole number from 1 to 10000', ['0']],
    ['COINS_API_MAX_BODY_BYTES', 'a whole number from 1 to 1073741824', ['0']],
    ['COINS_API_BATCH_CONCURRENCY', 'a whole number from 1 to 1000', ['0']],
    ['MAX_UPSTREAM_CALLS_PER_OPERATION', 'a whole number from 1 to 100000', ['0']],
    ['COINS_API_BREAKER_FAILURE_RATE', 'a number greater than 0 and at most 1', ['0', '1.5', '50%', '-0.5']],
    ['COINS_API_BREAKER_WINDOW_MS', 'a whole number from 100 to 3600000', ['50']],
    ['MAX_CLIENT_CONNECTIONS', 'a whole number from 1 to 1000000', ['0']],
    ['MAX_REQUESTS_IN_FLIGHT', 'a whole number from 0 to 1000000', ['-1', 'lots']],
    ['SHUTDOWN_TIMEOUT_MS', 'a whole number from 0 to 600000', ['soon']],
    ['SANDBOX_PORT', 'a whole number from 0 to 65535', ['70000']],
    ['LOG_LEVEL', 'one of fatal, error, warn, info, debug, trace, silent', ['verbose']],
    ['METRICS_PORT', 'a port from 0 to 65535 or "off"', ['no', '65536']],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf or http/json (grpc is not supported)', ['grpc']],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/protobuf or http/json (grpc is not supported)', ['http']],
    ['OTEL_TRACES_EXPORTER', 'otlp or none', ['zipkin']],
    ['OTEL_SDK_DISABLED', 'true or false', ['yes']],
  ];

  it.each([
    ...RULES.flatMap(([name, rule, refused]) =>
      refused.map((value) => [name, value, `${name} must be ${rule}, got "${value}"`]),
    ),
    ['COINS_API_URL', 'not a url', 'COINS_API_URL must be an absolute http(s) URL'],
    ['COINS_API_URL', 'ftp://coins.example.com', 'COINS_API_URL must use http or https, got "ftp:"'],
    [
      'COINS_API_URL',
      'https://user:pw@coins.example.com',
      'COINS_API_URL must not carry credentials, a query or a fragment',
    ],
    [
      'COINS_API_URL',
      'https://coins.example.com/?key=1',
      'COINS_API_URL must not carry credentials, a query or a fragment',
    ],
    ['METRICS_PORT', '4000', 'METRICS_PORT must differ from PORT: metrics are never served on the public port'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', 'OTEL_EXPORTER_OTLP_ENDPOINT must use http or https'],
    [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'not a url',
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an absolute http(s) URL',
    ],
  ])('%s=%j gives exactly one clear message', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([message]);
  });

  it('reports every problem at once, one line each, in the error message too', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x', COINS_API_URL: 'nope', LOG_LEVEL: 'loud', COINS_API_RETRIES: '99' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect([...error.problems].sort()).toEqual(
      [
        'PORT must be a whole number from 0 to 65535, got "x"',
        'COINS_API_URL must be an absolute http(s) URL',
        'COINS_API_RETRIES must be a whole number from 0 to 10, got "99"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ].sort(),
    );
    expect(error.message.split('\n')).toEqual([
      'Invalid configuration:',
      ...error.problems.map((problem) => `  - ${problem}`),
    ]);
  });

  it('never echoes a credential embedded in COINS_API_URL', () => {
    expect(problems({ COINS_API_URL: 'https://partner:s3cr3t@coins.example.com' }).join('\n')).not.toContain('s3cr3t');
  });
});

describe('loadConfig: secrets in an unparsable COINS_API_URL', () => {
  it('does not echo the password of a URL it cannot parse', () => {
    const reported = problems({ COINS_API_URL: 'https://partner:s3cr3t@coins.example.com:99999' });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatch(/^COINS_API_URL must be an absolute http\(s\) URL/);
    expect(reported[0]).not.toContain('s3cr3t');
  });
});

describe('loadConfig: CORS_ORIGINS', () => {
  const REAL = { COINS_API_URL: 'https://coins.example.com' };

  it('defaults to any origin in sandbox mode and to none with a real upstream', () => {
    expect(loadConfig({}).corsOrigins).toBe('*');
    expect(loadConfig(REAL).corsOrigins).toEqual([]);
    expect(loadConfig({ ...REAL, CORS_ORIGINS: ' , ' }).corsOrigins).toEqual([]);
  });

  it('reads comma-separated exact origins, trimmed', () => {
    expect(
      loadConfig({ ...REAL, CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://[::1]:8443' })
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173', 'https://[::1]:8443']);
  });

  it('accepts "*" in sandbox mode only', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(problems({ ...REAL, CORS_ORIGINS: '*' })).toEqual([
      'CORS_ORIGINS may be "*" only in sandbox mode (COINS_API_URL unset)',
    ]);
    expect(problems({ CORS_ORIGINS: '*, https://app.example.com' })).toEqual(['CORS_ORIGINS: "*" must stand alone']);
  });

  it.each([
    'https://app.example.com/',
    'https://app.example.com/path',
    'https://App.Example.com',
    'https://app.example.com:443',
    'app.example.com',
    'ftp://app.example.com',
    'https://user@app.example.com',
    'https://app.example.com?x=1',
    'null',
    'https://*.example.com',
  ])('refuses %j, naming its position, not echoing it', (origin) => {
    const reported = problems({ ...REAL, CORS_ORIGINS: `https://ok.example.com,${origin}` });
    expect(reported).toEqual([
      'CORS_ORIGINS entry 2 is not an exact origin: scheme://host[:port] in lower case, http or https, without path, trailing slash or default port',
    ]);
  });
});

describe('service credentials (COINS_OAUTH_*)', () => {
  // Service mode needs a caller-authentication decision; these tests are about the credentials.
  const NO_CALLER_AUTH = { AUTH_DISABLED: 'true' };
  const ALL = { ...PARTNER_CREDENTIALS, ...NO_CALLER_AUTH };
  const SECRET_VALUES = Object.values(PARTNER_CREDENTIALS);
  const { dir, file } = useConfigFiles();

  it("are all read when all four are set; the token URL defaults to the upstream's", () => {
    expect(loadConfig({ ...ALL, ...NO_CALLER_AUTH, ...NO_CALLER_AUTH }).serviceCredentials).toEqual({
      clientId: 'partner-client',
      clientSecret: 'client-s3cret',
      username: 'partner-user',
      password: 'user-passw0rd',
      tokenUrl: undefined,
    });
    expect(Object.isFrozen(loadConfig({ ...ALL, ...NO_CALLER_AUTH, ...NO_CALLER_AUTH }).serviceCredentials)).toBe(true);
  });

  it('reads COINS_OAUTH_TOKEN_URL like COINS_API_URL', () => {
    const config = loadConfig({
      ...ALL,
      ...NO_CALLER_AUTH,
      COINS_OAUTH_TOKEN_URL: 'https://auth.example.com/oauth/token/',
    });
    expect(config.serviceCredentials?.tokenUrl).toBe('https://auth.example.com/oauth/token');
    expect(problems({ ...ALL, ...NO_CALLER_AUTH, COINS_OAUTH_TOKEN_URL: 'https://u:pw@auth.example.com' })).toEqual([
      'COINS_OAUTH_TOKEN_URL must not carry credentials, a query or a fragment',
    ]);
  });

  it('refuse to travel in clear text: COINS_API_URL and COINS_OAUTH_TOKEN_URL must be https, or http on a loopback host', () => {
    expect(problems({ ...ALL, COINS_API_URL: 'http://coins.example.com' })).toEqual([
      'COINS_API_URL must be an https URL with service credentials (COINS_OAUTH_*); http only on a loopback host',
    ]);
    expect(
      problems({
        ...ALL,
        COINS_API_URL: 'https://coins.example.com',
        COINS_OAUTH_TOKEN_URL: 'http://auth.example.com/oauth/token',
      }),
    ).toEqual([
      'COINS_OAUTH_TOKEN_URL must be an https URL with service credentials (COINS_OAUTH_*); http only on a loopback host',
    ]);
    for (const url of [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
      'https://coins.example.com',
    ]) {
      expect(loadConfig({ ...ALL, COINS_API_URL: url, COINS_OAUTH_TOKEN_URL: `${url}/oauth/token` }).coinsApiUrl).toBe(
        url,
      );
    }
    // Forwarding mode holds no credential of its own: unchanged.
    expect(loadConfig({ COINS_API_URL: 'http://coins.example.com' }).coinsApiUrl).toBe('http://coins.example.com');
  });

  it('are absent when none is set (forwarding mode)', () => {
    expect(loadConfig({ COINS_OAUTH_CLIENT_ID: '' }).serviceCredentials).toBeUndefined();
  });

  it.each([
    [
      ['COINS_OAUTH_CLIENT_ID'],
      'COINS_OAUTH_CLIENT_SECRET (or COINS_OAUTH_CLIENT_SECRET_FILE), COINS_OAUTH_USERNAME, COINS_OAUTH_PASSWORD (or COINS_OAUTH_PASSWORD_FILE)',
    ],
    [
      ['COINS_OAUTH_CLIENT_ID', 'COINS_OAUTH_CLIENT_SECRET', 'COINS_OAUTH_USERNAME'],
      'COINS_OAUTH_PASSWORD (or COINS_OAUTH_PASSWORD_FILE)',
    ],
    [
      ['COINS_OAUTH_PASSWORD'],
      'COINS_OAUTH_CLIENT_ID, COINS_OAUTH_CLIENT_SECRET (or COINS_OAUTH_CLIENT_SECRET_FILE), COINS_OAUTH_USERNAME',
    ],
  ] as const)('with only %j set, refuse naming the missing variables and no value', (names, missing) => {
    const env = Object.fromEntries(names.map((name) => [name, ALL[name]]));
    const found = problems(env);
    expect(found).toEqual([
      `Service credentials need all of COINS_OAUTH_CLIENT_ID, COINS_OAUTH_CLIENT_SECRET, COINS_OAUTH_USERNAME, COINS_OAUTH_PASSWORD or none; missing: ${missing}`,
    ]);
    for (const value of SECRET_VALUES) expect(found.join('\n')).not.toContain(value);
  });

  it('reads secrets from files, trimming one trailing newline', () => {
    const config = loadConfig({
      ...NO_CALLER_AUTH,
      COINS_OAUTH_CLIENT_ID: 'partner-client',
      COINS_OAUTH_USERNAME: 'partner-user',
      COINS_OAUTH_CLIENT_SECRET_FILE: file('secret', 'from-file-secret\n'),
      COINS_OAUTH_PASSWORD_FILE: file('password', ' spaced pass \r\n'),
      AUTH_DISABLED: 'true',
    });
    expect(config.serviceCredentials).toMatchObject({ clientSecret: 'from-file-secret', password: ' spaced pass ' });
  });

  it('refuses a secret given both directly and as a file, an unreadable file and an empty file', () => {
    const found = problems({
      ...ALL,
      COINS_OAUTH_CLIENT_SECRET_FILE: file('secret2', 'x'),
      COINS_OAUTH_PASSWORD: '',
      COINS_OAUTH_PASSWORD_FILE: join(dir, 'missing'),
    });
    expect(found).toEqual([
      'Set either COINS_OAUTH_CLIENT_SECRET or COINS_OAUTH_CLIENT_SECRET_FILE, not both',
      `COINS_OAUTH_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ]);
    expect(
      problems({ ...ALL, ...NO_CALLER_AUTH, COINS_OAUTH_PASSWORD: '', COINS_OAUTH_PASSWORD_FILE: file('empty', '\n') }),
    ).toEqual([`COINS_OAUTH_PASSWORD_FILE: ${join(dir, 'empty')} is empty`]);
    for (const value of SECRET_VALUES) expect(found.join('\n')).not.toContain(value);
  });

  it('refuses a client id with a colon (Basic authentication cannot carry it)', () => {
    expect(problems({ ...ALL, ...NO_CALLER_AUTH, COINS_OAUTH_CLIENT_ID: 'a:b' })).toEqual([
      'COINS_OAUTH_CLIENT_ID must not contain ":"',
    ]);
  });

  it('refuses COINS_OAUTH_TOKEN_URL without credentials', () => {
    expect(problems({ COINS_OAUTH_TOKEN_URL: 'https://auth.example.com/oauth/token' })).toEqual([
      'COINS_OAUTH_TOKEN_URL is set, but COINS_OAUTH_CLIENT_ID, COINS_OAUTH_CLIENT_SECRET, COINS_OAUTH_USERNAME, COINS_OAUTH_PASSWORD are not',
    ]);
  });

  it('reports credential problems together with other problems', () => {
    expect(problems({ PORT: 'x', COINS_OAUTH_USERNAME: 'u' })).toHaveLength(2);
  });
});

describe('loadConfig: caller authentication (AUTH_*)', () => {
  const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
  /** Caller JWTs go with service credentials. */
  const SERVICE = PARTNER_CREDENTIALS;
  const bytes = (text: string) => new TextEncoder().encode(text);
  const { dir, file } = useConfigFiles();
  const secretFile = file('jwt-secret', `${SECRET}\n`);
  const emptyFile = file('empty', '\n');

  it('reads an HS256 secret, with issuer and audience', () => {
    expect(
      loadConfig({
        ...SERVICE,
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_ISSUER: 'https://idp.example.com',
        AUTH_JWT_AUDIENCE: 'coins-gateway',
      }).callerAuth.jwt,
    ).toEqual({ key: { secret: bytes(SECRET) }, issuer: 'https://idp.example.com', audience: 'coins-gateway' });
  });

  it('reads the secret from AUTH_JWT_SECRET_FILE, without its trailing newline', () => {
    expect(loadConfig({ ...SERVICE, AUTH_JWT_SECRET_FILE: secretFile }).callerAuth.jwt).toEqual({
      key: { secret: bytes(SECRET) },
    });
  });

  it('reads a JWKS URL (https, or http on loopback)', () => {
    expect(
      loadConfig({ ...SERVICE, AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' }).callerAuth.jwt,
    ).toEqual({
      key: { jwksUrl: 'https://idp.example.com/.well-known/jwks.json' },
    });
    expect(loadConfig({ ...SERVICE, AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).callerAuth.jwt).toEqual({
      key: { jwksUrl: 'http://127.0.0.1:8080/jwks' },
    });
  });

  it('AUTH_DISABLED=true', () => {
    expect(loadConfig({ ...SERVICE, AUTH_DISABLED: 'true' }).callerAuth.disabled).toBe(true);
    expect(loadConfig({ AUTH_DISABLED: 'false' }).callerAuth.disabled).toBe(false);
  });

  it.each([
    [{ AUTH_JWT_SECRET: 'too-short' }, 'AUTH_JWT_SECRET must be at least 32 bytes long'],
    [{ AUTH_JWT_SECRET_FILE: emptyFile }, `AUTH_JWT_SECRET_FILE: ${emptyFile} is empty`],
    [
      { AUTH_JWT_SECRET_FILE: join(dir, 'missing') },
      `AUTH_JWT_SECRET_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
    ],
    [
      { AUTH_JWT_SECRET: SECRET, AUTH_JWT_SECRET_FILE: secretFile },
      'Set either AUTH_JWT_SECRET or AUTH_JWT_SECRET_FILE, not both',
    ],
    [
      { AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://idp.example.com/jwks' },
      'Set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both',
    ],
    [
      { AUTH_JWT_SECRET_FILE: secretFile, AUTH_JWKS_URL: 'https://idp.example.com/jwks' },
      'Set either AUTH_JWT_SECRET_FILE or AUTH_JWKS_URL, not both',
    ],
    [
      { AUTH_JWKS_URL: 'http://idp.example.com/jwks' },
      'AUTH_JWKS_URL must be an absolute https URL (http only on a loopback host)',
    ],
    [{ AUTH_JWKS_URL: 'not a url' }, 'AUTH_JWKS_URL must be an absolute https URL (http only on a loopback host)'],
    [{ AUTH_JWKS_URL: 'https://u:p@idp.example.com/jwks' }, 'AUTH_JWKS_URL must not carry credentials or a fragment'],
    [{ AUTH_DISABLED: 'yes' }, 'AUTH_DISABLED must be true or false'],
    [
      { AUTH_JWT_SECRET: DEV_JWT_SECRET, COINS_API_URL: 'https://coins.example.com' },
      'AUTH_JWT_SECRET is the documented development secret: it is allowed only in sandbox mode (COINS_API_URL unset)',
    ],
  ])('%j is refused: %s', (env, message) => {
    expect(problems({ ...SERVICE, ...env })).toEqual([message]);
  });

  it.each([
    [
      'service credentials without caller authentication',
      SERVICE,
      'COINS_OAUTH_* service credentials need caller authentication: set AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE or AUTH_JWKS_URL, or AUTH_DISABLED=true to let anyone who can reach the gateway act as the partner',
    ],
    [
      'a JWT secret without service credentials',
      { AUTH_JWT_SECRET: SECRET },
      "AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE and AUTH_JWKS_URL need service credentials (COINS_OAUTH_*): without them the caller's Authorization header goes upstream and cannot carry a caller JWT too",
    ],
    [
      'a JWKS URL without service credentials',
      { AUTH_JWKS_URL: 'https://idp.example.com/jwks' },
      "AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE and AUTH_JWKS_URL need service credentials (COINS_OAUTH_*): without them the caller's Authorization header goes upstream and cannot carry a caller JWT too",
    ],
    [
      'AUTH_DISABLED without service credentials',
      { AUTH_DISABLED: 'true' },
      'AUTH_DISABLED applies only with service credentials (COINS_OAUTH_*)',
    ],
    [
      'AUTH_DISABLED with a JWT secret',
      { ...SERVICE, AUTH_DISABLED: 'true', AUTH_JWT_SECRET: SECRET },
      'AUTH_DISABLED=true contradicts AUTH_JWT_SECRET/AUTH_JWT_SECRET_FILE/AUTH_JWKS_URL: set one or the other',
    ],
  ])('refuses %s', (_label, env, message) => {
    const reported = problems(env);
    expect(reported).toEqual([message]);
    for (const value of [SECRET, 'client-s3cret', 'user-passw0rd']) expect(reported.join('\n')).not.toContain(value);
  });

  it('refuses AUTH_JWT_ISSUER / AUTH_JWT_AUDIENCE without a key to verify with', () => {
    expect(problems({ AUTH_JWT_ISSUER: 'https://idp.example.com', AUTH_JWT_AUDIENCE: 'coins-gateway' })).toEqual([
      'AUTH_JWT_ISSUER is set, but neither AUTH_JWT_SECRET(_FILE) nor AUTH_JWKS_URL is',
      'AUTH_JWT_AUDIENCE is set, but neither AUTH_JWT_SECRET(_FILE) nor AUTH_JWKS_URL is',
    ]);
  });

  it('a refused secret still counts as asking for caller JWTs (one problem, not two)', () => {
    expect(problems({ AUTH_JWT_SECRET: 'short' })).toEqual([
      'AUTH_JWT_SECRET must be at least 32 bytes long',
      "AUTH_JWT_SECRET, AUTH_JWT_SECRET_FILE and AUTH_JWKS_URL need service credentials (COINS_OAUTH_*): without them the caller's Authorization header goes upstream and cannot carry a caller JWT too",
    ]);
  });

  it('the three modes: forwarding, service + JWT, service + AUTH_DISABLED', () => {
    expect(loadConfig({}).callerAuth).toMatchObject({ jwt: undefined, disabled: false });
    expect(loadConfig({ ...SERVICE, AUTH_JWT_SECRET: SECRET }).callerAuth.jwt).toBeDefined();
    expect(loadConfig({ ...SERVICE, AUTH_DISABLED: 'true' }).callerAuth).toMatchObject({
      jwt: undefined,
      disabled: true,
    });
  });

  it('never echoes a secret it refuses', () => {
    const reported = problems({
      ...SERVICE,
      AUTH_JWT_SECRET: 'short-s3cr3t',
      AUTH_JWKS_URL: 'https://u:s3cr3t@idp.example.com/',
    }).join('\n');
    expect(reported).not.toContain('s3cr3t');
  });

  it('the development secret is accepted in sandbox mode', () => {
    expect(loadConfig({ ...SERVICE, AUTH_JWT_SECRET: DEV_JWT_SECRET }).callerAuth.jwt).toEqual({
      key: { secret: bytes(DEV_JWT_SECRET) },
    });
  });
});
