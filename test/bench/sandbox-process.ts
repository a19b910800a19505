// Benchmark child process: the sandbox upstream on an ephemeral loopback port, recording no
// requests (a benchmark must not grow memory with every request it sends). Reports its URL to the
// parent over IPC (or prints it when started by hand; SANDBOX_PORT picks the port) and exits when the parent disconnects or signals.
//
// It counts the coins API requests it receives (not the /__sandbox/ ones), so the benchmark can
// report upstream calls per GraphQL operation: the parent sends {type:'count'} and gets
// {type:'count', value}. Counted from node:http's diagnostics channel, outside src/sandbox: the
// sandbox itself stays unchanged and pays nothing for it.

import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { startSandbox } from '../../src/sandbox/index.js';

let apiRequests = 0;
subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  if (!request.url?.startsWith('/__sandbox/')) apiRequests += 1;
});

const sandbox = await startSandbox({
  host: '127.0.0.1',
  port: Number(process.env.SANDBOX_PORT ?? 0),
  maxRecordedRequests: 0,
});
if (process.send) process.send({ type: 'ready', url: sandbox.url });
else console.log(`sandbox (recording no requests) at ${sandbox.url}`);

process.on('message', (message: { type?: unknown }) => {
  if (message.type === 'count') process.send?.({ type: 'count', value: apiRequests });
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  void sandbox.close().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
