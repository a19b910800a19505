import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { onDroppedConnections } from '../../src/server/http-server.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

// MAX_CLIENT_CONNECTIONS caps open client connections (Node's
// Server.maxConnections). Past the cap a new connection is closed as soon as it is accepted,
// unread; the open ones keep being served, and a freed slot is usable again.

const HEALTH = 'GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n';

interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closes (or resets) the connection. */
  closed: Promise<void>;
}

function open(gateway: TestGateway): Promise<RawConnection> {
  const { port } = gateway.listening;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** Waits until `count` responses with this status line arrived on the connection. */
async function untilAnswered(connection: RawConnection, count = 1): Promise<void> {
  const answers = () => connection.received().split('HTTP/1.1 200 OK\r\n').length - 1;
  for (let i = 0; i < 200 && answers() < count; i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(answers()).toBe(count);
}

describe('MAX_CLIENT_CONNECTIONS', () => {
  let gateway: TestGateway | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await gateway?.close();
  });

  it('with 3 allowed, a 4th connection is closed unread while the 3 open ones are served; a freed slot is reused', async () => {
    gateway = await startTestGateway({ MAX_CLIENT_CONNECTIONS: '3' });
    const dropped: number[] = [];
    onDroppedConnections(gateway.listening.server, (count) => dropped.push(count), 50);

    const held = await Promise.all([open(gateway), open(gateway), open(gateway)]);
    sockets.push(...held.map((connection) => connection.socket));
    for (const connection of held) {
      connection.socket.write(HEALTH);
      await untilAnswered(connection);
    }

    const refused = await open(gateway);
    sockets.push(refused.socket);
    refused.socket.write(HEALTH);
    await refused.closed;
    expect(refused.received()).toBe('');

    // The open connections (keep-alive) are still served.
    held[0]!.socket.write(HEALTH);
    await untilAnswered(held[0]!, 2);

    // One closes: a new connection is accepted and served.
    held[2]!.socket.destroy();
    await held[2]!.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await open(gateway);
    sockets.push(next.socket);
    next.socket.write(HEALTH);
    await untilAnswered(next);

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(dropped).toEqual([1]);
  });
});
