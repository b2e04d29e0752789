import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { pendingMigrations } from '../db/migrate.js';

async function readiness(ctx: AppContext): Promise<{ database: string; migrations: string; pending: number }> {
  try {
    await ctx.pool.query('SELECT 1');
  } catch {
    return { database: 'unreachable', migrations: 'unknown', pending: 0 };
  }
  try {
    const pending = await pendingMigrations(ctx.pool);
    return { database: 'ok', migrations: pending.length === 0 ? 'current' : 'behind', pending: pending.length };
  } catch {
    return { database: 'unreachable', migrations: 'unknown', pending: 0 };
  }
}

export async function healthRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (_request, reply) => {
    const check = await readiness(ctx);
    const ready = check.database === 'ok' && check.migrations === 'current';
    const body = {
      ready,
      database: check.database,
      migrations: check.migrations,
      pending_migrations: check.pending,
      stripe_mode: ctx.config.stripe.mode,
      encryption: ctx.config.encryptionKey !== null,
    };
    if (ready) return body;
    const message = check.database === 'ok' ? 'Database migrations are behind' : 'The database is unreachable';
    return reply.code(503).send({ ...body, error: { code: 'not_ready', message } });
  });
}
