import type Stripe from 'stripe';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';

/**
 * What the portal offers the subjects we sell to: cancelling (at the period's end, so access
 * lasts as long as what was paid for; the subscription events then revoke it), replacing the
 * card, and their invoices. Stripe 2024-04-10 still required `business_profile` (acacia made it
 * optional); an emptied headline satisfies both without inventing text for the operator.
 * https://docs.stripe.com/api/customer_portal/configurations/create
 */
export function portalConfigurationParams(tenantId: string): Stripe.BillingPortal.ConfigurationCreateParams {
  return {
    business_profile: { headline: '' },
    features: {
      subscription_cancel: { enabled: true, mode: 'at_period_end' },
      payment_method_update: { enabled: true },
      invoice_history: { enabled: true },
    },
    metadata: { nself_tenant_id: tenantId },
  };
}

async function storedConfiguration(q: Queryable, tenantId: string, accountId: string): Promise<string | null> {
  const { rows } = await q.query<{ portal_configuration_id: string | null }>(
    'SELECT portal_configuration_id FROM np_stripe_accounts WHERE tenant_id = $1 AND stripe_account_id = $2',
    [tenantId, accountId],
  );
  return rows[0]?.portal_configuration_id ?? null;
}

async function rememberConfiguration(q: Queryable, tenantId: string, accountId: string, configurationId: string): Promise<void> {
  await q.query(
    `UPDATE np_stripe_accounts SET portal_configuration_id = $3, updated_at = now()
      WHERE tenant_id = $1 AND stripe_account_id = $2 AND portal_configuration_id IS NULL`,
    [tenantId, accountId, configurationId],
  );
}

/**
 * The Billing Portal configuration of a selling account: the remembered one, else one created
 * now. A connected account has none until one is saved, and Stripe refuses portal sessions
 * until then. First calls racing on any replica create one: they queue on an advisory lock (not
 * the account row, which every webhook of that account reads), and the idempotency key makes a
 * retry after a crash between Stripe's answer and our commit return the same configuration.
 */
export async function portalConfigurationOf(ctx: Pick<AppContext, 'pool' | 'stripe'>, tenantId: string, accountId: string): Promise<string> {
  const known = await storedConfiguration(ctx.pool, tenantId, accountId);
  if (known !== null) return known;
  return withTransaction(ctx.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`np_stripe_portal_configuration:${accountId}`]);
    const stored = await storedConfiguration(tx, tenantId, accountId);
    if (stored !== null) return stored;
    const created = await ctx.stripe.billingPortal.configurations.create(portalConfigurationParams(tenantId), {
      stripeAccount: accountId,
      idempotencyKey: `nself-portal-configuration-${accountId}`,
    });
    await rememberConfiguration(tx, tenantId, accountId, created.id);
    return created.id;
  });
}
