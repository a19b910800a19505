/** The HS256 secret test gateways verify caller JWTs with. */
export const TEST_JWT_SECRET = 'test-caller-jwt-secret-0123456789abcdef';

/** Environment of a gateway in service mode with caller JWTs, against the test sandbox. */
export const SERVICE_MODE_ENV: Record<string, string> = {
  AUTH_JWT_SECRET: TEST_JWT_SECRET,
};
