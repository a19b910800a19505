import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configProblems as problems } from '../helpers/config-env.js';

describe('Redis and rate-limit configuration', () => {
  it('reads REDIS_URL, REDIS_TIMEOUT_MS and the rate limits', () => {
    expect(
      loadConfig({
        REDIS_URL: 'rediss://:s3cret@redis.internal:6380/2',
        REDIS_TIMEOUT_MS: '50',
        RATE_LIMIT_OPERATIONS: '120',
        RATE_LIMIT_WINDOW_MS: '30000',
        UPSTREAM_RATE_LIMIT_PER_SECOND: '40',
      }),
    ).toMatchObject({
      redisUrl: 'rediss://:s3cret@redis.internal:6380/2',
      redisTimeoutMs: 50,
      rateLimitOperations: 120,
      rateLimitWindowMs: 30_000,
      upstreamRateLimitPerSecond: 40,
    });
  });

  it('treats an empty REDIS_URL as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://, without echoing it', () => {
    for (const url of ['http://:pw@redis:6379', 'redis-host:6379', 'redis://']) {
      const reported = problems({ REDIS_URL: url });
      expect(reported).toEqual(['REDIS_URL must be a redis:// or rediss:// URL with a host']);
    }
  });

  it('refuses a window that is not whole seconds, and bad numbers', () => {
    expect(problems({ RATE_LIMIT_WINDOW_MS: '1500' })).toEqual([
      'RATE_LIMIT_WINDOW_MS must be whole seconds (a multiple of 1000), got "1500"',
    ]);
    expect(problems({ RATE_LIMIT_WINDOW_MS: '500' })).toEqual([
      'RATE_LIMIT_WINDOW_MS must be a whole number from 1000 to 86400000, got "500"',
    ]);
    expect(
      problems({ REDIS_TIMEOUT_MS: '0', RATE_LIMIT_OPERATIONS: '-1', UPSTREAM_RATE_LIMIT_PER_SECOND: '1.5' }),
    ).toEqual([
      'REDIS_TIMEOUT_MS must be a whole number from 1 to 60000, got "0"',
      'RATE_LIMIT_OPERATIONS must be a whole number from 0 to 1000000000, got "-1"',
      'UPSTREAM_RATE_LIMIT_PER_SECOND must be a whole number from 0 to 1000000, got "1.5"',
    ]);
  });
});
