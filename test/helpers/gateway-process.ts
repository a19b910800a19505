import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  url: string;
  pid: number;
  /** Exit code or signal once the process ended; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stderr(): string;
  kill(): Promise<void>;
}

/**
 * The real entry point (src/main.ts, sandbox mode) in a child process with the heap `npm start`
 * gives it (--max-old-space-size=192), for tests that must prove the process survives.
 */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--max-old-space-size=192', '--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      COINS_API_URL: '',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const match =
        /"event":"listening".*"url":"([^"]+)"/.exec(text) ?? /"url":"([^"]+)".*"event":"listening"/.exec(text);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`the gateway exited before listening: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid!,
    exit: () => exit,
    stderr: () => stderr,
    async kill() {
      if (exit) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
