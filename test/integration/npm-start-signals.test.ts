import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` is how the README runs the gateway, and process managers (docker stop, systemd,
// Kubernetes with npm as the container's command) signal npm's own process only. npm passes the
// signal to the shell that runs the start script; the gateway must receive it too, or it is
// orphaned and keeps serving while its manager thinks it stopped. The real start script runs here
// with a stand-in dist/main.js that reports the signal it gets (and gives up after 15 s on its own).

const START_SCRIPT = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: { start: string };
  }
).scripts.start;

// The handlers go in before 'ready' is printed: a signal sent on 'ready' must find them.
const STAND_IN = `
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { process.stdout.write('got ' + signal + '\\n'); process.exit(0); });
}
process.stdout.write('ready ' + (process.env.NODE_OPTIONS ?? '') + '\\n');
setTimeout(() => { process.stdout.write('never signalled\\n'); process.exit(3); }, 15000);
`;

const dir = mkdtempSync(join(tmpdir(), 'coins-gateway-npm-start-'));
mkdirSync(join(dir, 'dist'));
writeFileSync(join(dir, 'dist', 'main.js'), STAND_IN);
// No prestart: the stand-in needs no build.
writeFileSync(
  join(dir, 'package.json'),
  JSON.stringify({ name: 'npm-start-signals', version: '1.0.0', private: true, scripts: { start: START_SCRIPT } }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start passes a signal sent to npm on to the gateway', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to npm reaches dist/main.js',
    async (signal) => {
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
      const sawLine = (text: string, ms: number) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          const check = () => {
            if (!output.includes(text)) return;
            clearTimeout(timer);
            resolve(true);
          };
          npm.stdout.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            check();
          });
          check();
        });

      expect(await sawLine('ready', 10_000)).toBe(true);
      // The start script's V8 flags still reach the process.
      expect(output).toContain('--max-old-space-size=192');
      // The stand-in can print before npm forwards signals to it: a signal sent at once killed npm
      // alone in about half the runs (npm died of it, nothing reached the stand-in).
      await new Promise((resolve) => setTimeout(resolve, 500));
      npm.kill(signal);
      expect(await sawLine(`got ${signal}`, 8_000)).toBe(true);
      expect(await exited).not.toBeNull();
      expect(output).not.toContain('never signalled');
    },
    30_000,
  );
});
