import type { AppContext } from '../context.js';
import { customerOfSubject } from '../entitlements/grant-reads.js';
import { NotFound } from '../http/errors.js';
import { portalConfigurationOf } from './portal-configuration.js';
import type { PortalInput } from './schemas.js';

/**
 * A Billing Portal session for the subject's customer, under the connected account that sold
 * its grants, with the configuration the service keeps on that account (Stripe refuses a
 * session on an account without one).
 */
export async function createPortalSession(
  ctx: Pick<AppContext, 'pool' | 'stripe'>,
  tenantId: string,
  input: PortalInput,
): Promise<{ url: string }> {
  const customer = await customerOfSubject(ctx.pool, tenantId, input.entity_id);
  if (!customer) throw new NotFound(`${input.entity_id} has no Stripe customer`, { entity_id: input.entity_id });
  const configuration = await portalConfigurationOf(ctx, tenantId, customer.accountId);
  const session = await ctx.stripe.billingPortal.sessions.create(
    { customer: customer.customerId, configuration, return_url: input.return_url },
    { stripeAccount: customer.accountId },
  );
  return { url: session.url };
}
