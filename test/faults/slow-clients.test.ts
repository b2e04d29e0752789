import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { makeEvent, PLATFORM_SECRET, signature } from '../webhooks/helpers.js';

const MAX_CONNECTIONS = 4;

interface Ending {
  /** Everything the server wrote before the socket closed. */
  received: string;
  /** Milliseconds from the first byte sent to the close. */
  elapsedMs: number;
  bytesSent: number;
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `head` at once, then `dribble` one byte every `everyMs` until the server closes the socket. */
async function dribble(port: number, head: string, dribbled: string, everyMs: number): Promise<Ending> {
  const socket = await openSocket(port);
  socket.on('error', () => undefined);
  const started = Date.now();
  let received = '';
  let bytesSent = head.length;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8');
  });
  socket.write(head);
  let next = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || next >= dribbled.length) return;
    socket.write(dribbled[next++]!);
    bytesSent++;
  }, everyMs);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  clearInterval(timer);
  return { received, elapsedMs: Date.now() - started, bytesSent };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow and greedy clients (request timeout 1 s, 4 connections)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await buildTestApp({ env: { NSELF_REQUEST_TIMEOUT_SECONDS: '1', NSELF_MAX_CONNECTIONS: String(MAX_CONNECTIONS) } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => t.close());

  const eventCount = async (id: string): Promise<number> =>
    Number((await t.db.pool.query('SELECT count(*) AS n FROM np_stripe_processed_events WHERE event_id = $1', [id])).rows[0].n);

  it('cuts off a webhook whose body arrives one byte every 300 ms, and records nothing', async () => {
    const event = makeEvent({ type: 'some.unknown_type', object: { id: 'x_slow', object: 'thing' } });
    const body = JSON.stringify(event);
    const head = [
      'POST /stripe/webhook/platform HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/json',
      `Stripe-Signature: ${signature(body, PLATFORM_SECRET)}`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      '',
    ].join('\r\n');
    const ending = await dribble(port, head, body, 300);

    expect(ending.elapsedMs).toBeLessThan(10_000);
    expect(ending.bytesSent).toBeLessThan(head.length + body.length);
    if (ending.received !== '') expect(ending.received).toMatch(/^HTTP\/1\.1 408 /);
    await settle(200);
    expect(await eventCount(event.id)).toBe(0);
  });

  it('cuts off a client that dribbles its headers', async () => {
    const ending = await dribble(port, 'GET /health HTTP/1.1\r\n', 'Host: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n', 300);
    expect(ending.elapsedMs).toBeLessThan(10_000);
    expect(ending.received === '' || /^HTTP\/1\.1 408 /.test(ending.received)).toBe(true);
  });

  it('refuses connections beyond the cap, and serves normally once they are gone', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => openSocket(port)));
    for (const s of held) s.on('error', () => undefined);
    await settle(50);

    // The kernel completes the handshake; Node closes the socket as it accepts it, unanswered.
    const extra = await openSocket(port);
    extra.on('error', () => undefined);
    let answered = '';
    extra.on('data', (c: Buffer) => (answered += c.toString('utf8')));
    extra.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const closedWithin = await Promise.race([
      new Promise<boolean>((resolve) => extra.once('close', () => resolve(true))),
      settle(5_000).then(() => false),
    ]);
    expect(closedWithin).toBe(true);
    expect(answered).toBe('');

    for (const s of held) s.destroy();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const open = await new Promise<number>((resolve) => t.app.server.getConnections((_e, n) => resolve(n)));
      if (open === 0) break;
      await settle(25);
    }

    const event = makeEvent({ type: 'some.unknown_type', object: { id: 'x_normal', object: 'thing' } });
    const body = JSON.stringify(event);
    const res = await fetch(`http://127.0.0.1:${port}/stripe/webhook/platform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature(body, PLATFORM_SECRET), connection: 'close' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await eventCount(event.id)).toBe(1);
  });
});
