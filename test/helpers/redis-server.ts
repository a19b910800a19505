import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { App } from '../../src/app.js';

/** Debian's redis-server (.ci/run installs it); override with REDIS_SERVER_BIN. */
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface TestRedis {
  url: string;
  port: number;
  /** A client of the test's own, for looking at keys. */
  client: Redis;
  /** Kills the server (SIGKILL: like a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered (a slow Redis). */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Stops the server and the test client. */
  stop(): Promise<void>;
}

/** A real redis-server on a free loopback port, without persistence; stopped by its PID. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(port);
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (running?.pid === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    process.kill(running.pid, 'SIGKILL');
    await exited;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    kill,
    pause() {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGCONT');
    },
    async restart() {
      await kill();
      child = await spawnRedis(port);
    },
    async stop() {
      client.disconnect();
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGCONT');
      await kill();
    },
  };
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start ${REDIS_SERVER_BIN}: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`${REDIS_SERVER_BIN} exited with ${code}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPing(port), failed]);
  return child;
}

/** Bounded: 100 tries, 50 ms apart. */
async function waitForPing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Waits (bounded: 5 s) until the app's Redis connection is up, as its coins_gateway_redis_available
 * metric says: a test of sharing must not start while a replica still serves from its own state.
 */
export async function waitForSharedState(app: App): Promise<void> {
  const until = Date.now() + 5_000;
  for (;;) {
    const gauge = app.observability.metrics.registry.getSingleMetric('coins_gateway_redis_available');
    const value = gauge ? (await gauge.get()).values[0]?.value : undefined;
    if (value === 1) return;
    if (Date.now() > until) throw new Error('the gateway did not connect to Redis within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
