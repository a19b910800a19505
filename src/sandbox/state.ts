// The sandbox's in-memory model of the coins domain: coin event configurations, user balances and
// the allocation ledger. Pure logic, no HTTP: the routes translate these results into envelopes.

export type Configuration = 'DEFAULT' | 'CUSTOM';

export const CONFIGURATIONS: readonly Configuration[] = ['DEFAULT', 'CUSTOM'];

export interface CoinConfig {
  readonly coinConfigId: string;
  readonly configuration: Configuration;
  readonly companyId: string;
  readonly event: string;
  readonly amount: number;
}

export interface NewCoinConfig {
  configuration: Configuration;
  companyId: string;
  event: string;
  amount: number;
}

export type CoinConfigPatch = Partial<NewCoinConfig>;

export interface Allocation {
  requestId: string;
  companyId: string;
  event: string;
  userId: string;
}

export interface LedgerEntry {
  readonly requestId: string;
  readonly companyId: string;
  readonly event: string;
  readonly userId: string;
  readonly coins: number;
  /** ISO-8601 timestamp of the credit. */
  readonly at: string;
}

export type CreateConfigResult = { ok: true; config: CoinConfig } | { ok: false; reason: 'duplicate' };
export type UpdateConfigResult = { ok: true; config: CoinConfig } | { ok: false; reason: 'not-found' | 'duplicate' };
/** `credited` is false when the requestId was already seen with the same allocation (a replay). */
export type AllocateResult =
  | { ok: true; credited: boolean; entry: LedgerEntry }
  | { ok: false; reason: 'not-configured' | 'request-id-conflict' };

export interface SandboxState {
  getConfig(coinConfigId: string): CoinConfig | undefined;
  listConfigs(): CoinConfig[];
  /** Unknown users have a balance of 0, as upstream is assumed to answer. */
  balanceOf(userId: string): number;
  /** Every balance that was ever credited, by userId. */
  balances(): Record<string, number>;
  /** One entry per credit actually made (replays of a requestId add nothing). */
  readonly ledger: ReadonlyArray<LedgerEntry>;
  totalCredited(): number;
  createConfig(input: NewCoinConfig): CreateConfigResult;
  /** Adds a configuration under a given id (seeding the docs' examples); false when taken. */
  seedConfig(config: CoinConfig): boolean;
  updateConfig(coinConfigId: string, patch: CoinConfigPatch): UpdateConfigResult;
  allocate(allocation: Allocation): AllocateResult;
  reset(): void;
}

// (companyId, event) is the natural key of a configuration; NUL cannot appear in JSON-decoded ids
// that matter here, and even if it did the only effect would be a false duplicate in the sandbox.
function pairKey(companyId: string, event: string): string {
  return `${companyId}\u0000${event}`;
}

export function createSandboxState(options: { now?: () => Date } = {}): SandboxState {
  const now = options.now ?? (() => new Date());
  const configs = new Map<string, CoinConfig>();
  const configIdByPair = new Map<string, string>();
  const balances = new Map<string, number>();
  const ledger: LedgerEntry[] = [];
  const ledgerByRequestId = new Map<string, LedgerEntry>();
  let total = 0;
  // Ids are WCC + 6 digits, like the docs' examples. A random base keeps ids from looking like
  // 000001 while a counter keeps them unique without retry loops.
  let nextId = 100_000 + Math.floor(Math.random() * 800_000);

  function newConfigId(): string {
    for (;;) {
      const id = `WCC${nextId}`;
      nextId = nextId >= 999_999 ? 100_000 : nextId + 1;
      if (!configs.has(id)) return id;
    }
  }

  return {
    getConfig: (id) => configs.get(id),
    listConfigs: () => [...configs.values()],
    balanceOf: (userId) => balances.get(userId) ?? 0,
    balances: () => Object.fromEntries(balances),
    ledger,
    totalCredited: () => total,

    createConfig(input) {
      const key = pairKey(input.companyId, input.event);
      if (configIdByPair.has(key)) return { ok: false, reason: 'duplicate' };
      const config: CoinConfig = {
        coinConfigId: newConfigId(),
        configuration: input.configuration,
        companyId: input.companyId,
        event: input.event,
        amount: input.amount,
      };
      configs.set(config.coinConfigId, config);
      configIdByPair.set(key, config.coinConfigId);
      return { ok: true, config };
    },

    seedConfig(config) {
      const key = pairKey(config.companyId, config.event);
      if (configs.has(config.coinConfigId) || configIdByPair.has(key)) return false;
      configs.set(config.coinConfigId, { ...config });
      configIdByPair.set(key, config.coinConfigId);
      return true;
    },

    updateConfig(id, patch) {
      const current = configs.get(id);
      if (!current) return { ok: false, reason: 'not-found' };
      const next: CoinConfig = {
        coinConfigId: id,
        configuration: patch.configuration ?? current.configuration,
        companyId: patch.companyId ?? current.companyId,
        event: patch.event ?? current.event,
        amount: patch.amount ?? current.amount,
      };
      const oldKey = pairKey(current.companyId, current.event);
      const newKey = pairKey(next.companyId, next.event);
      if (newKey !== oldKey) {
        if (configIdByPair.has(newKey)) return { ok: false, reason: 'duplicate' };
        configIdByPair.delete(oldKey);
        configIdByPair.set(newKey, id);
      }
      configs.set(id, next);
      return { ok: true, config: next };
    },

    allocate(allocation) {
      // The requestId is checked before the configuration so that a replay keeps its original
      // answer even if the configuration changed in between: idempotency is about the request.
      const previous = ledgerByRequestId.get(allocation.requestId);
      if (previous) {
        const same =
          previous.companyId === allocation.companyId &&
          previous.event === allocation.event &&
          previous.userId === allocation.userId;
        return same ? { ok: true, credited: false, entry: previous } : { ok: false, reason: 'request-id-conflict' };
      }
      const configId = configIdByPair.get(pairKey(allocation.companyId, allocation.event));
      const config = configId === undefined ? undefined : configs.get(configId);
      if (!config) return { ok: false, reason: 'not-configured' };
      const entry: LedgerEntry = {
        requestId: allocation.requestId,
        companyId: allocation.companyId,
        event: allocation.event,
        userId: allocation.userId,
        coins: config.amount,
        at: now().toISOString(),
      };
      ledger.push(entry);
      ledgerByRequestId.set(entry.requestId, entry);
      balances.set(entry.userId, (balances.get(entry.userId) ?? 0) + entry.coins);
      total += entry.coins;
      return { ok: true, credited: true, entry };
    },

    reset() {
      configs.clear();
      configIdByPair.clear();
      balances.clear();
      ledger.length = 0;
      ledgerByRequestId.clear();
      total = 0;
    },
  };
}
