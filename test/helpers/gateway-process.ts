import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process ended, to measure how long a shutdown took. */
  at: number;
}

export type LogLine = Record<string, unknown>;

export interface SpawnedGatewayProcess {
  child: ChildProcess;
  pid: number;
  /** Every stdout line, parsed (a line that is not JSON as `{ event: 'non_json', text }`). */
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  exited: Promise<ProcessExit>;
  /** How the process ended; undefined while it runs. */
  exit(): ProcessExit | undefined;
  /** Resolves with the first log line (now or later) that has this event; rejects if it exits first. */
  logged(event: string): Promise<LogLine>;
  /** SIGKILL (if it still runs), then waits for the exit. */
  kill(): Promise<void>;
}

export interface GatewayProcess extends SpawnedGatewayProcess {
  /** The `listening` log line (url, metrics, tracing, upstreamCredentials). */
  listening: LogLine;
  url: string;
  /** The built-in sandbox's URL in sandbox mode (COINS_API_URL unset). */
  sandboxUrl: string | undefined;
}

export interface GatewayProcessOptions {
  /** Modules loaded with `--import` after tsx (e.g. test/helpers/module-probe.mjs). */
  imports?: string[];
}

// Each test file runs in its own worker: this is that file's list, for stopGatewayProcesses().
const started = new Set<SpawnedGatewayProcess>();

/**
 * The real entry point (src/main.ts) in a child process, as `npm start` runs it (its
 * --max-old-space-size=192 heap), in sandbox mode on ephemeral loopback ports unless `env` says
 * otherwise. The environment is only what is given here: nothing leaks in from the test runner's.
 */
export function spawnGatewayProcess(
  env: Record<string, string> = {},
  options: GatewayProcessOptions = {},
): SpawnedGatewayProcess {
  const imports = (options.imports ?? []).flatMap((module) => ['--import', module]);
  const child = spawn(process.execPath, ['--max-old-space-size=192', '--import', 'tsx', ...imports, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      // Ephemeral, never the default 9464: several processes (and test files) run at once.
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      COINS_API_URL: '',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal, at: performance.now() };
      resolve(exit);
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const logs: LogLine[] = [];
  const waiters: Array<{ event: string; resolve: (line: LogLine) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    stdout += `${text}\n`;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { event: 'non_json', text };
    }
    logs.push(line);
    for (const waiter of waiters.filter((w) => w.event === line.event)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  const handle: SpawnedGatewayProcess = {
    child,
    pid: child.pid!,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    exit: () => exit,
    logged: (event) =>
      new Promise((resolve, reject) => {
        const seen = logs.find((line) => line.event === event);
        if (seen) return resolve(seen);
        waiters.push({ event, resolve });
        void exited.then(() => reject(new Error(`the gateway exited before logging ${event}; stderr: ${stderr}`)));
      }),
    async kill() {
      if (!exit) child.kill('SIGKILL');
      await exited;
    },
  };
  started.add(handle);
  void exited.then(() => started.delete(handle));
  return handle;
}

/** spawnGatewayProcess, resolved once the gateway logged `listening`. */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  options: GatewayProcessOptions = {},
): Promise<GatewayProcess> {
  const gateway = spawnGatewayProcess(env, options);
  const listening = await gateway.logged('listening');
  const sandbox = gateway.logs.find((line) => line.event === 'sandbox_mode');
  return {
    ...gateway,
    listening,
    url: String(listening.url),
    sandboxUrl: sandbox === undefined ? undefined : String(sandbox.sandboxUrl),
  };
}

/** Kills every gateway process this test file started that still runs (for afterAll). */
export async function stopGatewayProcesses(): Promise<void> {
  await Promise.all([...started].map((gateway) => gateway.kill()));
}
