import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.js';

const SWEEP_MS = 100;

/**
 * server.close() drops only the keep-alive connections idle at that instant; one still
 * answering an in-flight request (a webhook committing) stays open once it is done until
 * the keep-alive timeout (72 s), holding up close() and so the pool's end. Sweeping idle
 * connections while closing lets close() finish as soon as the last in-flight request does.
 */
export function closeIdleConnectionsWhileClosing(app: FastifyInstance): void {
  let sweep: NodeJS.Timeout | null = null;
  app.addHook('preClose', async () => {
    refuseNewRequests(app);
    sweep = setInterval(() => app.server.closeIdleConnections(), SWEEP_MS);
    sweep.unref();
  });
  app.addHook('onClose', async () => {
    if (sweep) clearInterval(sweep);
  });
}

const CLOSING_BODY = JSON.stringify(errorBody('shutting_down', 'The service is shutting down; retry on another instance'));

/**
 * Requests that still arrive on a kept-alive connection once closing has begun get a 503 in
 * our error shape (Fastify's own has another shape), with `Connection: close`. Swapping the
 * server's request listener at close time costs nothing per request while serving.
 */
function refuseNewRequests(app: FastifyInstance): void {
  const server = app.server;
  server.removeAllListeners('request');
  server.on('request', (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(CLOSING_BODY);
  });
}
