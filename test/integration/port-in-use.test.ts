import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGatewayProcess, stopGatewayProcesses } from '../helpers/gateway-process.js';

// A port that is taken is an operator's configuration problem: the start-up failure must say
// which setting to change, as every other refused configuration does (exit 1, one clear line).

let occupied: Server;
let port: number;
beforeAll(async () => {
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  port = (occupied.address() as { port: number }).port;
});
afterAll(async () => {
  await stopGatewayProcesses();
  await new Promise<void>((resolve) => occupied.close(() => resolve()));
});

describe('a port already in use stops the start with the variable that sets it', () => {
  it.each(['PORT', 'METRICS_PORT', 'SANDBOX_PORT'])('%s', async (variable) => {
    const gateway = spawnGatewayProcess({ [variable]: String(port) });
    const exit = await gateway.exited;
    expect(exit.code).toBe(1);
    expect(gateway.stderr()).toContain(
      `coins-gateway failed to start: ${variable}=${port}: the port is already in use on 127.0.0.1 (EADDRINUSE); choose another ${variable}`,
    );
  });
});
