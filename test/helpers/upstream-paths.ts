// The EnKash paths, as the coins API docs give them and as the sandbox records the requests the
// gateway sent. Written out here rather than imported from src/: a test that borrowed the
// gateway's or the sandbox's constants would not notice when both got a path wrong.

/** Create Event (POST). */
export const CREATE_PATH = '/api/v0/enkash-coins/create-coins-config';
/** Get Event (GET) and Update Event (PATCH): the coin configuration id follows. Also a fault-rule prefix. */
export const CONFIG_PATH = '/api/v0/enkash-coins/';
/** Allocate Coins (POST). */
export const ALLOCATE_PATH = '/api/v0/enkash-coins/allocate-coin';
/** Get Balance (GET), without its query string (a fault-rule path matches without it). */
export const BALANCE_PATH = '/api/v0/coins/balance';
/** The sandbox's OAuth token endpoint (client credentials). */
export const OAUTH_TOKEN_PATH = '/oauth/token';

/** Get Balance for one user, query string included, encoded the way the gateway sends it. */
export function balancePath(userId: string): string {
  return `${BALANCE_PATH}?userId=${encodeURIComponent(userId)}`;
}
