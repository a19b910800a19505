/** The HS256 secret test gateways verify caller JWTs with. */
export const TEST_JWT_SECRET = 'test-caller-jwt-secret-0123456789abcdef';

/** The sandbox's OAuth client (src/sandbox/oauth.ts DEFAULT_OAUTH_CLIENT) as service credentials. */
export const SANDBOX_SERVICE_CREDENTIALS: Record<string, string> = {
  COINS_OAUTH_CLIENT_ID: 'sandbox-client',
  COINS_OAUTH_CLIENT_SECRET: 'sandbox-secret',
  COINS_OAUTH_USERNAME: 'sandbox-user',
  COINS_OAUTH_PASSWORD: 'sandbox-password',
};

/** Environment of a gateway in service mode with caller JWTs, against the test sandbox. */
export const SERVICE_MODE_ENV: Record<string, string> = {
  ...SANDBOX_SERVICE_CREDENTIALS,
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
};
