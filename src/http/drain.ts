import type { FastifyInstance } from 'fastify';

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
    sweep = setInterval(() => app.server.closeIdleConnections(), SWEEP_MS);
    sweep.unref();
  });
  app.addHook('onClose', async () => {
    if (sweep) clearInterval(sweep);
  });
}
