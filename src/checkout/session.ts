import type Stripe from 'stripe';
import type { AppContext } from '../context.js';
import { BadRequest } from '../http/errors.js';
import { knownCustomerOn } from './customer.js';
import { sellingAccountOf } from './operator.js';
import type { CheckoutInput } from './schemas.js';

export interface CheckoutResult {
  id: string;
  url: string | null;
  expires_at: string;
}

type Mode = 'subscription' | 'payment';

function checkPriceAllowed(allowed: string[] | null, priceId: string): void {
  if (allowed !== null && !allowed.includes(priceId)) {
    throw new BadRequest(`Price ${priceId} is not allowed here`, { price_id: priceId }, 'price_not_allowed');
  }
}

function modeFor(price: Stripe.Price, requested: Mode | undefined): Mode {
  const natural: Mode = price.recurring ? 'subscription' : 'payment';
  if (requested !== undefined && requested !== natural) {
    throw new BadRequest(
      `Price ${price.id} is ${price.recurring ? 'recurring' : 'one-time'}: it cannot be sold in ${requested} mode`,
      { price_id: price.id, mode: requested },
      'mode_mismatch',
    );
  }
  return natural;
}

/** Stripe takes a percentage only on subscriptions; a payment's fee is an amount, computed from the price. */
function paymentFeeAmount(price: Stripe.Price, quantity: number, percent: number): number {
  if (price.unit_amount === null) {
    throw new BadRequest('application_fee_percent needs a price with a fixed unit amount', { price_id: price.id }, 'fee_needs_fixed_price');
  }
  return Math.round((price.unit_amount * quantity * percent) / 100);
}

/**
 * Who pays: the subject's customer on this account when an earlier sale made one (Stripe takes
 * `customer` or `customer_email`, never both), else the email if given. A payment-mode session
 * makes a customer only when asked (`customer_creation`), and the next sale needs one to reuse.
 * https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-customer
 */
function buyerParams(customer: string | null, email: string | undefined, mode: Mode): Partial<Stripe.Checkout.SessionCreateParams> {
  if (customer !== null) return { customer };
  return { ...(email ? { customer_email: email } : {}), ...(mode === 'payment' ? { customer_creation: 'always' as const } : {}) };
}

/**
 * A Checkout Session created under the operator's connected account, selling `capabilities`
 * to the subject. The metadata rides on the session and on the subscription or payment it
 * creates, so any of their events can grant on its own.
 */
export async function createCheckoutSession(
  ctx: Pick<AppContext, 'config' | 'pool' | 'stripe'>,
  tenantId: string,
  input: CheckoutInput,
  idempotencyKey: string | undefined,
): Promise<CheckoutResult> {
  const seller = await sellingAccountOf(ctx.pool, tenantId, input.entity_id);
  checkPriceAllowed(ctx.config.stripe.allowedPriceIds, input.price_id);
  const options: Stripe.RequestOptions = { stripeAccount: seller.stripeAccountId };
  const price = await ctx.stripe.prices.retrieve(input.price_id, {}, options);
  const mode = modeFor(price, input.mode);
  const subject = input.subject_id ?? input.entity_id;
  const customer = await knownCustomerOn(ctx.pool, tenantId, subject, seller.stripeAccountId);
  const metadata: Stripe.MetadataParam = {
    nself_tenant_id: tenantId,
    nself_entity_id: subject,
    nself_capabilities: input.capabilities.join(','),
    nself_operator_entity_id: input.entity_id,
  };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode,
    line_items: [{ price: price.id, quantity: input.quantity }],
    success_url: input.success_url,
    cancel_url: input.cancel_url,
    metadata,
    ...buyerParams(customer, input.customer_email, mode),
  };
  const fee = input.application_fee_percent;
  if (mode === 'subscription') {
    params.subscription_data = { metadata, ...(fee !== undefined ? { application_fee_percent: fee } : {}) };
  } else {
    params.payment_intent_data = {
      metadata,
      ...(fee !== undefined ? { application_fee_amount: paymentFeeAmount(price, input.quantity, fee) } : {}),
    };
  }
  const session = await ctx.stripe.checkout.sessions.create(params, {
    ...options,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  return { id: session.id, url: session.url, expires_at: new Date(session.expires_at * 1000).toISOString() };
}
