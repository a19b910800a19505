import { describe, expect, it } from 'vitest';
import { createLoaders, OperationLoaders } from '../../src/loaders.js';
import type { CallCredentials, CoinsClient } from '../../src/upstream/coins-client.js';
import type { PartialCoinConfigPayload } from '../../src/upstream/payloads.js';

// The per-operation loaders against a fake coins client whose calls the test answers by hand:
// which calls are made, with which credentials, how many at once, and what each key gets.

const CALLER: CallCredentials = { authorization: 'Bearer unit-test-token' };

interface PendingCall {
  method: 'getCoinConfig' | 'getBalance';
  key: string;
  credentials: CallCredentials;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A CoinsClient whose reads wait until the test settles them; it counts calls in flight. */
function manualClient() {
  const calls: PendingCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  function read<T>(method: PendingCall['method'], key: string, credentials: CallCredentials): Promise<T> {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<T>((resolve, reject) => {
      calls.push({ method, key, credentials, resolve: resolve as (value: unknown) => void, reject });
    }).finally(() => {
      inFlight -= 1;
    });
  }
  const unused = () => Promise.reject(new Error('loaders only read'));
  const client: CoinsClient = {
    getCoinConfig: (id, credentials) => read<PartialCoinConfigPayload | null>('getCoinConfig', id, credentials),
    getBalance: (userId, credentials) => read<number | null>('getBalance', userId, credentials),
    createCoinConfig: unused,
    updateCoinConfig: unused,
    allocateCoins: unused,
  };
  return {
    client,
    calls,
    maxInFlight: () => maxInFlight,
    /** Settles the pending call for `key` (the first one not settled yet). */
    settle(key: string, outcome: { value: unknown } | { error: unknown }) {
      const index = calls.findIndex((call) => call.key === key);
      const call = calls.splice(index, 1)[0];
      if (!call) throw new Error(`no pending call for ${key}`);
      if ('value' in outcome) call.resolve(outcome.value);
      else call.reject(outcome.error);
    },
  };
}

/** Lets DataLoader dispatch its batch and the bulkhead start what it may. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const config = (id: string): PartialCoinConfigPayload => ({ coinConfigId: id, amount: 1 });

describe('createLoaders', () => {
  it('fetches each distinct key once per operation, however often it is asked for', async () => {
    const fake = manualClient();
    const loaders = createLoaders(fake.client, () => CALLER, 8);
    const results = Promise.all([
      loaders.coinConfig.load('WCC1'),
      loaders.coinConfig.loadMany(['WCC2', 'WCC1', 'WCC2']),
      loaders.balance.load('U1'),
      loaders.balance.load('U1'),
    ]);
    await flush();
    expect(fake.calls.map(({ method, key }) => `${method} ${key}`)).toEqual([
      'getCoinConfig WCC1',
      'getCoinConfig WCC2',
      'getBalance U1',
    ]);
    fake.settle('WCC1', { value: config('WCC1') });
    fake.settle('WCC2', { value: config('WCC2') });
    fake.settle('U1', { value: 5 });
    expect(await results).toEqual([config('WCC1'), [config('WCC2'), config('WCC1'), config('WCC2')], 5, 5]);
    // Asked again later in the same operation: answered from the loader, no new call.
    expect(await loaders.coinConfig.load('WCC2')).toEqual(config('WCC2'));
    expect(fake.calls).toHaveLength(0);
  });

  it('answers in key order whatever order the upstream answers in', async () => {
    const fake = manualClient();
    const loaders = createLoaders(fake.client, () => CALLER, 8);
    const results = loaders.balance.loadMany(['A', 'B', 'C']);
    await flush();
    fake.settle('C', { value: 3 });
    fake.settle('A', { value: 1 });
    fake.settle('B', { value: 2 });
    expect(await results).toEqual([1, 2, 3]);
  });

  it('keeps at most `concurrency` calls in flight, shared by both loaders', async () => {
    const fake = manualClient();
    const loaders = createLoaders(fake.client, () => CALLER, 2);
    const configs = loaders.coinConfig.loadMany(['WCC1', 'WCC2', 'WCC3']);
    const balances = loaders.balance.loadMany(['U1', 'U2']);
    await flush();
    expect(fake.calls.map((call) => call.key)).toEqual(['WCC1', 'WCC2']);
    fake.settle('WCC2', { value: config('WCC2') });
    await flush();
    expect(fake.calls.map((call) => call.key)).toEqual(['WCC1', 'WCC3']);
    for (const key of ['WCC1', 'WCC3']) fake.settle(key, { value: config(key) });
    await flush();
    expect(fake.calls.map((call) => call.key)).toEqual(['U1', 'U2']);
    fake.settle('U2', { value: 2 });
    fake.settle('U1', { value: 1 });
    expect(await configs).toEqual([config('WCC1'), config('WCC2'), config('WCC3')]);
    expect(await balances).toEqual([1, 2]);
    expect(fake.maxInFlight()).toBe(2);
  });

  it('a failed key fails only that key, with its own error; null (unknown id) is an answer', async () => {
    const fake = manualClient();
    const loaders = createLoaders(fake.client, () => CALLER, 8);
    const results = loaders.coinConfig.loadMany(['WCC1', 'WCC2', 'WCC3', 'WCC4']);
    await flush();
    const failure = new Error('upstream unavailable');
    fake.settle('WCC1', { value: config('WCC1') });
    fake.settle('WCC2', { error: failure });
    fake.settle('WCC3', { value: null });
    fake.settle('WCC4', { error: 'not an Error' });
    const [first, second, third, fourth] = await results;
    expect(first).toEqual(config('WCC1'));
    expect(second).toBe(failure);
    expect(third).toBeNull();
    // DataLoader needs an Error per failed key: anything else thrown is wrapped.
    expect(fourth).toEqual(new Error('not an Error'));
  });

  it('asks for the credentials once per batch and sends them with every call of it', async () => {
    const fake = manualClient();
    let asked = 0;
    const loaders = createLoaders(
      fake.client,
      () => {
        asked += 1;
        return CALLER;
      },
      8,
    );
    const results = loaders.balance.loadMany(['U1', 'U2', 'U3']);
    await flush();
    expect(asked).toBe(1);
    expect(fake.calls.map((call) => call.credentials)).toEqual([CALLER, CALLER, CALLER]);
    for (const key of ['U1', 'U2', 'U3']) fake.settle(key, { value: 0 });
    await results;
  });

  it('without credentials every key of the batch fails with that error and nothing is called', async () => {
    const fake = manualClient();
    const unauthenticated = new Error('Authentication required');
    const loaders = createLoaders(
      fake.client,
      () => {
        throw unauthenticated;
      },
      8,
    );
    const results = await Promise.allSettled([loaders.balance.load('U1'), loaders.balance.load('U2')]);
    expect(results).toEqual([
      { status: 'rejected', reason: unauthenticated },
      { status: 'rejected', reason: unauthenticated },
    ]);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('OperationLoaders', () => {
  it('builds the loaders on first use only, and once', () => {
    const fake = manualClient();
    let built = 0;
    const loaders = new OperationLoaders(() => {
      built += 1;
      return createLoaders(fake.client, () => CALLER, 8);
    });
    expect(loaders.ifCreated).toBeUndefined();
    expect(built).toBe(0);
    const coinConfig = loaders.coinConfig;
    expect(loaders.balance).toBe(loaders.ifCreated?.balance);
    expect(loaders.coinConfig).toBe(coinConfig);
    expect(built).toBe(1);
  });
});
