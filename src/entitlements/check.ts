import type { AppContext } from '../context.js';
import { answerFromGrants, grantsNeedingRefresh, type EntitlementAnswer } from './answer.js';
import { grantsForKey } from './grant-reads.js';
import { GrantRefresher } from './refresh.js';

export interface EntitlementQuery {
  tenantId: string;
  entityId: string;
  capability: string;
}

export interface EntitlementChecker {
  /** billing.can: the cached grants, re-confirmed from Stripe first when older than the TTL. */
  check(query: EntitlementQuery): Promise<EntitlementAnswer>;
}

export interface CheckerOptions {
  /**
   * How long a check waits for Stripe to re-confirm before answering from the cache (stale).
   * The refresh goes on and writes back when Stripe answers; a hanging Stripe never holds a
   * caller for the SDK's whole timeout.
   */
  refreshWaitMs?: number;
}

const DEFAULT_REFRESH_WAIT_MS = 2500;

function withinDeadline(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function createEntitlementChecker(
  ctx: Pick<AppContext, 'config' | 'pool' | 'stripe' | 'logger'>,
  options: CheckerOptions = {},
): EntitlementChecker {
  const refresher = new GrantRefresher(ctx);
  const waitMs = options.refreshWaitMs ?? DEFAULT_REFRESH_WAIT_MS;
  return {
    async check(query) {
      const startedAt = Date.now();
      let rows = await grantsForKey(ctx.pool, query.tenantId, query.entityId, query.capability);
      if (grantsNeedingRefresh(rows, ctx.config.entitlementTtlSeconds, startedAt).length === 0) {
        return answerFromGrants(rows, startedAt);
      }
      const refresh = refresher.refreshKey(query, startedAt);
      // Whoever stops waiting must not leave the flight's failure unhandled.
      refresh.catch((err: unknown) => ctx.logger.warn({ err: (err as Error).message, ...query }, 'entitlement refresh failed'));
      const confirmed = await withinDeadline(refresh, waitMs);
      rows = await grantsForKey(ctx.pool, query.tenantId, query.entityId, query.capability);
      const answer = answerFromGrants(rows);
      if (!confirmed) answer.stale = true;
      return answer;
    },
  };
}
