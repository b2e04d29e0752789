import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { secretValues, type Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { withTransaction, type Tx } from '../db/transaction.js';
import type { StripeClient } from '../stripe/client.js';
import { MalformedStripeObject } from '../stripe/objects/read.js';
import { eventHandlers, type HandlerTable } from './dispatch.js';
import { claimEvent, eventRow, finishEvent, recordFailure, type EventOutcome, type EventRow } from './record.js';
import { namesAnotherTenant, resolveEventScope, type EventScope } from './scope.js';
import type { Channel, HandlerResult } from './types.js';

export interface PipelineDeps {
  config: Config;
  pool: Pool;
  stripe: StripeClient;
  logger: Logger;
  /** The type → handler table; tests may pass their own. */
  handlers?: HandlerTable;
}

// tenantId: when known to whoever answers (the batch says it; the pipeline logs it itself).
export type PipelineResult =
  | { kind: 'processed'; tenantId?: string }
  | { kind: 'ignored'; reason: string; tenantId?: string }
  | { kind: 'duplicate' }
  | { kind: 'failed'; message: string; cause: unknown };

/** A short error text for the event row: no stack, no secret, bounded. */
function describeError(err: unknown, config: Config): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const { code, type, requestId } = e as { code?: unknown; type?: unknown; requestId?: unknown };
  // Stripe SDK errors name their class in `type`; their request id lets operators find the call.
  const name = typeof type === 'string' ? type : e.name;
  // An object of a shape we cannot read says so itself: `<event type>: data.object.<field>: <problem>`.
  let text = err instanceof MalformedStripeObject ? e.message : `${name}${typeof code === 'string' ? ` ${code}` : ''}: ${e.message}`;
  if (typeof requestId === 'string') text += ` (stripe request ${requestId})`;
  for (const secret of secretValues(config)) text = text.split(secret).join('[redacted]');
  return text.slice(0, 500);
}

async function decide(
  deps: PipelineDeps,
  tx: Tx,
  event: Stripe.Event,
  channel: Channel,
  scope: EventScope,
): Promise<HandlerResult> {
  // A live Connect endpoint also receives test-mode events of connected accounts.
  if (event.livemode !== (deps.config.stripe.mode === 'live')) return { outcome: 'ignored', reason: 'livemode_mismatch' };
  const handler = (deps.handlers ?? eventHandlers)[event.type];
  if (!handler) return { outcome: 'ignored', reason: 'unhandled_type' };
  if (scope.account === 'unknown') return { outcome: 'ignored', reason: 'unknown_account' };
  if (scope.account === 'claimable' && event.type !== 'account.updated') return { outcome: 'ignored', reason: 'unknown_account' };
  if (namesAnotherTenant(event, scope)) return { outcome: 'ignored', reason: 'tenant_mismatch' };
  return handler(tx, event, { config: deps.config, stripe: deps.stripe, logger: deps.logger, channel, tenantId: scope.tenantId });
}

/**
 * Applies one verified event exactly once: the event row and its effect commit in one
 * transaction. A duplicate changes nothing. On a handler error the work rolls back and the
 * failure (with its attempt count) is recorded outside it, so Stripe's retry can succeed.
 * `retryable` names the stored outcomes a new attempt may take over (a replay adds 'ignored').
 */
export async function processEvent(
  deps: PipelineDeps,
  event: Stripe.Event,
  channel: Channel,
  opts: { retryable?: EventOutcome[] } = {},
): Promise<PipelineResult> {
  // Plain fields on each line, no child logger: a child costs more per event than the line itself.
  const logger = deps.logger;
  const fields = { event_id: event.id, event_type: event.type, stripe_account: event.account ?? null, channel };
  let row: EventRow = eventRow(event, channel, deps.config.defaultTenantId);
  try {
    const result = await withTransaction(deps.pool, async (tx): Promise<PipelineResult> => {
      const scope = await resolveEventScope(tx, event, deps.config.defaultTenantId);
      row = eventRow(event, channel, scope.tenantId);
      if (!(await claimEvent(tx, row, opts.retryable))) return { kind: 'duplicate' };
      const outcome = await decide(deps, tx, event, channel, scope);
      const reason = outcome.outcome === 'ignored' ? outcome.reason : null;
      await finishEvent(tx, event.id, outcome.outcome, reason);
      return reason === null ? { kind: 'processed' } : { kind: 'ignored', reason };
    });
    logger.info({ ...fields, tenant_id: row.tenantId, outcome: result.kind, ...(result.kind === 'ignored' ? { reason: result.reason } : {}) }, 'webhook event');
    return result;
  } catch (err) {
    const message = describeError(err, deps.config);
    logger.error({ ...fields, error: message }, 'webhook event failed; rolled back');
    try {
      await recordFailure(deps.pool, row, message);
    } catch (recordErr) {
      logger.error({ ...fields, error: describeError(recordErr, deps.config) }, 'could not record the failed event');
    }
    return { kind: 'failed', message, cause: err };
  }
}
