import Stripe from 'stripe';
import type { AppContext } from '../context.js';
import { withTransaction } from '../db/transaction.js';
import { grantsNeedingRefresh } from './answer.js';
import { deauthorizedAccounts, grantsForKey, type GrantRow } from './grant-reads.js';
import { syncGrantsFromSubscription } from './grants.js';
import { SingleFlight } from './single-flight.js';
import { fetchSubscription } from '../stripe/fetched.js';
import { MalformedStripeObject } from '../stripe/objects/read.js';
import type { Subscription } from '../stripe/objects/subscription.js';

export interface RefreshKey {
  tenantId: string;
  entityId: string;
  capability: string;
}

/**
 * Re-confirms subscription grants older than the TTL from Stripe and writes the answer back
 * through the grant repository. Concurrent checks of one key share one refresh, and
 * concurrent refreshes of one subscription (several capabilities) share one fetch.
 */
export class GrantRefresher {
  private readonly byKey = new SingleFlight<boolean>();
  private readonly bySubscription = new SingleFlight<boolean>();

  constructor(private readonly ctx: Pick<AppContext, 'config' | 'pool' | 'stripe' | 'logger'>) {}

  /**
   * Refreshes the key's grants that were not confirmed since `since - TTL`. Resolves false
   * when Stripe could not confirm one of them (the caller answers from the cache, stale).
   */
  refreshKey(key: RefreshKey, since: number): Promise<boolean> {
    const flightKey = `${key.tenantId}|${key.entityId}|${key.capability}`;
    return this.byKey.run(flightKey, async () => {
      // Read again inside the flight: a refresh that committed after the caller's read makes a fetch needless.
      const rows = await grantsForKey(this.ctx.pool, key.tenantId, key.entityId, key.capability);
      const stale = grantsNeedingRefresh(rows, this.ctx.config.entitlementTtlSeconds, since);
      return this.refreshSubscriptions(key.tenantId, stale);
    });
  }

  private async refreshSubscriptions(tenantId: string, stale: GrantRow[]): Promise<boolean> {
    const subscriptions = new Map<string, string | null>();
    for (const row of stale) subscriptions.set(row.source_id, row.stripe_account_id);
    // A disconnected account's grants stopped allowing for good; Stripe would refuse the fetch anyway.
    const accounts = [...new Set([...subscriptions.values()].filter((a): a is string => a !== null))];
    const gone = await deauthorizedAccounts(this.ctx.pool, accounts);
    for (const [id, account] of subscriptions) if (account !== null && gone.has(account)) subscriptions.delete(id);
    const results = await Promise.all(
      [...subscriptions].map(([subscriptionId, accountId]) =>
        this.bySubscription.run(`${tenantId}|${subscriptionId}`, () => this.refreshSubscription(tenantId, subscriptionId, accountId)),
      ),
    );
    return results.every(Boolean);
  }

  private async refreshSubscription(tenantId: string, subscriptionId: string, accountId: string | null): Promise<boolean> {
    const fetchedAt = new Date();
    let subscription: Subscription;
    try {
      subscription = await fetchSubscription(this.ctx.stripe, subscriptionId, accountId);
    } catch (err) {
      if (err instanceof MalformedStripeObject) {
        // Stripe answered in a shape we cannot read: the cache is all we have, as when it is unreachable.
        this.ctx.logger.warn({ subscription_id: subscriptionId, stripe_account_id: accountId, error: err.message }, 'could not read the subscription Stripe returned; answering from the cache');
        return false;
      }
      if (!(err instanceof Stripe.errors.StripeError)) throw err;
      this.ctx.logger.warn(
        {
          subscription_id: subscriptionId,
          stripe_account_id: accountId,
          stripe_request_id: err.requestId ?? null,
          stripe_status: err.statusCode ?? null,
          stripe_code: err.code ?? null,
        },
        'could not re-confirm a subscription grant from Stripe; answering from the cache',
      );
      return false;
    }
    await withTransaction(this.ctx.pool, (tx) =>
      syncGrantsFromSubscription(tx, { tenantId, subscription, accountId, eventCreated: null, fetched: true, fetchedAt }),
    );
    return true;
  }
}
