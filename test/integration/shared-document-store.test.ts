import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { createMemoryDocumentStore } from '../../src/protocol/document-store.js';
import { createRedisStore, type RedisStore } from '../../src/shared-state/redis-store.js';
import { createSharedDocumentStore } from '../../src/shared-state/shared-document-store.js';
import { startTestRedis, waitForSharedState, type TestRedis } from '../helpers/redis-server.js';
import { startTestGateway, upstreamCalls, type TestGateway } from '../helpers/test-gateway.js';

const logger = createLogger('silent');
let redis: TestRedis;
const stores: RedisStore[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis.stop();
});
beforeEach(async () => {
  await redis.client.flushall();
});

function replicaStore(limits = { ttlSeconds: 60, maxDocuments: 3, maxDocumentBytes: 100 }) {
  const store = createRedisStore({ url: redis.url, timeoutMs: 200, logger });
  stores.push(store);
  return createSharedDocumentStore({ store, local: createMemoryDocumentStore(), limits });
}

describe('the shared APQ store (Redis)', () => {
  it('a document registered through one replica is found through another', async () => {
    const [a, b] = [replicaStore(), replicaStore()];
    await a?.set('h1', '{ __typename }');
    expect(await b?.get('h1')).toBe('{ __typename }');
    expect(await b?.get('unknown')).toBeUndefined();
    expect(await redis.client.ttl('coins-gateway:apq:document:h1')).toBeGreaterThan(55);
  });

  it('keeps at most maxDocuments in Redis, evicting the least recently used', async () => {
    const a = replicaStore();
    for (const hash of ['h1', 'h2', 'h3']) await a.set(hash, `{ ${hash}: __typename }`);
    // h1 used again through another replica: h2 is now the least recently used.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await replicaStore().get('h1')).toBe('{ h1: __typename }');
    await a.set('h4', '{ h4: __typename }');
    expect((await redis.client.keys('coins-gateway:apq:document:*')).sort()).toEqual([
      'coins-gateway:apq:document:h1',
      'coins-gateway:apq:document:h3',
      'coins-gateway:apq:document:h4',
    ]);
    expect(await redis.client.zcard('coins-gateway:apq:index')).toBe(3);
  });

  it('keeps documents over maxDocumentBytes in the registering replica only', async () => {
    const [a, b] = [replicaStore(), replicaStore()];
    const large = `{ ${'a: __typename '.repeat(10)}}`;
    await a.set('big', large);
    expect(await a.get('big')).toBe(large);
    expect(await b.get('big')).toBeUndefined();
  });
});

describe('automatic persisted queries across replicas (REDIS_URL)', () => {
  const BALANCE = 'query Balance($userId: ID!) { coinBalance(userId: $userId) { id coins } }';
  const hash = createHash('sha256').update(BALANCE, 'utf8').digest('hex');
  const hashOnly = {
    variables: { userId: 'EKQZVMQK' },
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  };
  let replicas: TestGateway[] = [];

  afterAll(async () => {
    const sandbox = replicas[0]?.sandbox;
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox?.close();
  });

  it('a hash registered on one replica runs on the others', async () => {
    const first = await startTestGateway({ REDIS_URL: redis.url });
    replicas = [
      first,
      ...(await Promise.all([1, 2].map(() => startTestGateway({ REDIS_URL: redis.url }, { sandbox: first.sandbox })))),
    ];
    await Promise.all(replicas.map((replica) => waitForSharedState(replica.app)));
    const [a, b, c] = replicas as [TestGateway, TestGateway, TestGateway];

    // Apollo's first try: the hash alone, unknown everywhere.
    expect(await (await c.post(hashOnly)).json()).toEqual({
      errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
    });
    // Its second: hash and document, on another replica, which registers it.
    expect(await (await a.post({ ...hashOnly, query: BALANCE })).json()).toEqual({
      data: { coinBalance: { id: 'EKQZVMQK', coins: 0 } },
    });
    // From now on the hash alone works on every replica.
    for (const replica of [b, c, a]) {
      expect(await (await replica.post(hashOnly)).json()).toEqual({
        data: { coinBalance: { id: 'EKQZVMQK', coins: 0 } },
      });
    }
    expect(upstreamCalls(first.sandbox)).toHaveLength(4);
    expect(await redis.client.get(`coins-gateway:apq:document:${hash}`)).toBe(BALANCE);
  });
});
