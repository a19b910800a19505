/**
 * What the service token manager needs from state shared by every replica (a token, the
 * credentials' rejection, one lock). GraphQL- and Redis-free, like the rest of src/upstream.
 */

/** A token as every replica can use it (times are epoch milliseconds). */
export interface SharedToken {
  accessToken: string;
  refreshToken: string | undefined;
  renewAt: number;
  expiresAt: number;
}

/** What the shared state says about these credentials. */
export interface SharedTokenView {
  token: SharedToken | undefined;
  /** A password grant with these credentials was refused (by any replica, at any time). */
  rejected: boolean;
  /**
   * How many times an operator cleared a rejection (`npm run oauth:clear` increments it): a
   * counter rather than a time, so that no two machines' clocks need to agree.
   */
  clearGeneration: number;
}

export interface SharedTokenLock {
  release(): Promise<void>;
}

/**
 * The service token and the credentials' rejection, shared by every replica configured with the
 * same credentials (src/shared-state implements it on Redis). Every method answers undefined when
 * the shared state is unavailable: the caller then works with its own process state.
 */
export interface SharedTokenState {
  readonly fingerprint: string;
  /** A token request holds the lock at most this long (a crashed holder's lock then expires). */
  readonly lockTtlMs: number;
  read(): Promise<SharedTokenView | undefined>;
  write(token: SharedToken): Promise<boolean>;
  /** Records the rejection (no expiry: it stays until an operator clears it). */
  markRejected(detail: { status: number; oauthError: string | undefined }): Promise<boolean>;
  /** One token request across all replicas: 'busy' while another holds the lock. */
  tryLock(): Promise<SharedTokenLock | 'busy' | undefined>;
}
