import type { AppContext } from '../context.js';
import { answerFromGrants, answerValidUntil, grantsNeedingRefresh, type EntitlementAnswer } from './answer.js';
import { grantsForKey } from './grant-reads.js';
import type { EntitlementMemoryCache, RememberedAnswer } from './memory-cache.js';
import { GrantRefresher } from './refresh.js';

export interface EntitlementQuery {
  tenantId: string;
  entityId: string;
  capability: string;
}

export interface EntitlementChecker {
  /** billing.can: the cached grants, re-confirmed from Stripe first when older than the TTL. */
  check(query: EntitlementQuery): Promise<EntitlementAnswer>;
  /**
   * The answer the in-process layer holds for this key, if any: no I/O and no promise, so the
   * HTTP route can answer a warm check synchronously. Counted like any check served from memory.
   */
  remembered(query: EntitlementQuery, now?: number): RememberedAnswer | undefined;
}

export interface CheckerOptions {
  /**
   * How long a check waits for Stripe to re-confirm before answering from the cache (stale).
   * The refresh goes on and writes back when Stripe answers; a hanging Stripe never holds a
   * caller for the SDK's whole timeout.
   */
  refreshWaitMs?: number;
  /** The in-process layer; absent = every check reads the database. */
  cache?: EntitlementMemoryCache;
}

// Answers with no deadline of their own (no grant, payments) are still re-read now and
// then, as a guard against a notification lost with the listener still believing it is up.
export const MAX_MEMORY_MS = 60_000;

const DEFAULT_REFRESH_WAIT_MS = 2500;

function withinDeadline(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function createEntitlementChecker(
  ctx: Pick<AppContext, 'config' | 'pool' | 'stripe' | 'logger' | 'metrics'>,
  options: CheckerOptions = {},
): EntitlementChecker {
  const refresher = new GrantRefresher(ctx);
  const waitMs = options.refreshWaitMs ?? DEFAULT_REFRESH_WAIT_MS;
  const cache = options.cache;
  const remembered = (query: EntitlementQuery, now = Date.now()): RememberedAnswer | undefined => {
    const hit = cache?.get(query.tenantId, query.entityId, query.capability, now);
    if (hit) ctx.metrics.memoryHit(hit.allowed);
    return hit;
  };
  return {
    remembered,
    async check(query) {
      const startedAt = Date.now();
      const hit = remembered(query, startedAt);
      if (hit) return JSON.parse(hit.json) as EntitlementAnswer;
      const snapshot = cache?.snapshot() ?? 0;
      let rows = await grantsForKey(ctx.pool, query.tenantId, query.entityId, query.capability);
      const ttl = ctx.config.entitlementTtlSeconds;
      if (grantsNeedingRefresh(rows, ttl, startedAt).length === 0) {
        const answer = answerFromGrants(rows, startedAt);
        const until = Math.min(answerValidUntil(rows, ttl, startedAt) ?? Infinity, startedAt + MAX_MEMORY_MS);
        cache?.set(query.tenantId, query.entityId, query.capability, { allowed: answer.allowed, json: JSON.stringify(answer) }, until, snapshot);
        ctx.metrics.entitlementChecks.inc({ source: 'db', result: String(answer.allowed) });
        return answer;
      }
      const refresh = refresher.refreshKey(query, startedAt);
      // Whoever stops waiting must not leave the flight's failure unhandled.
      refresh.catch((err: unknown) => ctx.logger.warn({ err: (err as Error).message, ...query }, 'entitlement refresh failed'));
      const confirmed = await withinDeadline(refresh, waitMs);
      rows = await grantsForKey(ctx.pool, query.tenantId, query.entityId, query.capability);
      const answer = answerFromGrants(rows);
      if (!confirmed) answer.stale = true;
      ctx.metrics.entitlementChecks.inc({ source: confirmed ? 'stripe' : 'stale', result: String(answer.allowed) });
      return answer;
    },
  };
}
