// Benchmark child process: the sandbox upstream on an ephemeral loopback port, recording no
// requests (a benchmark must not grow memory with every request it sends). Reports its URL to the
// parent over IPC (or prints it when started by hand; SANDBOX_PORT picks the port) and exits when the parent disconnects or signals.

import { startSandbox } from '../../src/sandbox/index.js';

const sandbox = await startSandbox({ host: '127.0.0.1', port: Number(process.env.SANDBOX_PORT ?? 0), maxRecordedRequests: 0 });
if (process.send) process.send({ type: 'ready', url: sandbox.url });
else console.log(`sandbox (recording no requests) at ${sandbox.url}`);

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  void sandbox.close().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
