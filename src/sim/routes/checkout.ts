import type { ApiContext, ApiDeps } from '../api.js';
import { route } from '../api.js';
import { invalidParam, invalidRequest, missingParam, noSuch } from '../errors.js';
import { expireIfDue } from '../flows/checkout.js';
import type { FormObject } from '../form.js';
import { now } from '../ids.js';
import type { JsonObject } from '../json.js';
import { isKind } from '../objects/guards.js';
import { buildLineItem, buildSession, type CheckoutLine, type CheckoutSession } from '../objects/checkout.js';
import { applyMetadata, optArr, optInt, optObj, optPercent, optStr, reqStr } from '../params.js';
import { createPrice } from './catalog.js';
import { listOf, mustGet } from './common.js';

function lineItems(ctx: ApiContext): CheckoutLine[] {
  const raw = optArr(ctx.params, 'line_items');
  if (raw === undefined || raw.length === 0) throw missingParam('line_items');
  return raw.map((item, i) => {
    const param = `line_items[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalidParam(param, `Invalid object`);
    const quantity = optInt(item, 'quantity', `${param}[quantity]`);
    if (quantity === undefined) throw missingParam(`${param}[quantity]`);
    if (quantity < 1) throw invalidParam(`${param}[quantity]`, 'This value must be greater than or equal to 1.');
    const priceData = optObj(item, 'price_data');
    const priceId = optStr(item, 'price');
    if (priceId === undefined && priceData === undefined) throw missingParam(`${param}[price]`);
    if (priceId === undefined && priceData !== undefined) return { price: createPrice(ctx, { ...priceData, active: 'false' }, `${param}[price_data]`), quantity };
    const price = ctx.sim.state.get(priceId ?? '', ctx.account, 'price');
    if (!isKind(price, 'price')) throw noSuch('price', priceId ?? '', `${param}[price]`, 400);
    if (!price.active) throw invalidParam(`${param}[price]`, `The price specified is inactive. This field only accepts active prices.`);
    return { price, quantity };
  });
}

function checkMode(mode: string, lines: CheckoutLine[]): void {
  const recurring = lines.filter((l) => l.price.recurring !== null);
  if (mode === 'payment' && recurring.length > 0) {
    const i = lines.findIndex((l) => l.price.recurring !== null);
    throw invalidParam(`line_items[${i}][price]`, 'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.');
  }
  if (mode === 'subscription' && recurring.length === 0) {
    throw invalidParam('line_items', 'You must provide at least one recurring price in `subscription` mode when using prices.');
  }
}

function sub(ctx: ApiContext, name: string): FormObject {
  return optObj(ctx.params, name) ?? {};
}

function createSession(ctx: ApiContext): JsonObject {
  const mode = reqStr(ctx.params, 'mode');
  if (!['payment', 'subscription', 'setup'].includes(mode)) throw invalidParam('mode', 'Invalid mode: must be one of payment, setup, or subscription');
  const uiMode = optStr(ctx.params, 'ui_mode') ?? 'hosted';
  const successUrl = optStr(ctx.params, 'success_url') ?? null;
  if (uiMode === 'hosted' && successUrl === null) throw missingParam('success_url');
  const lines = lineItems(ctx);
  checkMode(mode, lines);
  const customer = optStr(ctx.params, 'customer') ?? null;
  const customerEmail = optStr(ctx.params, 'customer_email') ?? null;
  if (customer !== null && customerEmail !== null) throw invalidRequest('You may only specify one of these parameters: customer, customer_email.');
  if (customer !== null && !isKind(ctx.sim.state.get(customer, ctx.account, 'customer'), 'customer')) throw noSuch('customer', customer, 'customer', 400);
  const subscriptionData = sub(ctx, 'subscription_data');
  const paymentIntentData = sub(ctx, 'payment_intent_data');
  if (mode !== 'subscription' && optObj(ctx.params, 'subscription_data') !== undefined) throw invalidParam('subscription_data', `You can not pass \`subscription_data\` in \`${mode}\` mode.`);
  if (mode !== 'payment' && optObj(ctx.params, 'payment_intent_data') !== undefined) throw invalidParam('payment_intent_data', `You can not pass \`payment_intent_data\` in \`${mode}\` mode.`);
  const feeAmount = optInt(paymentIntentData, 'application_fee_amount', 'payment_intent_data[application_fee_amount]') ?? null;
  const feePercent = optPercent(subscriptionData, 'application_fee_percent', 'subscription_data[application_fee_percent]') ?? null;
  if ((feeAmount !== null || feePercent !== null) && ctx.account === null) {
    throw invalidRequest('Can only apply an application fee when the request is made on behalf of another account (using an OAuth key, the Stripe-Account header, or the on_behalf_of parameter).', { param: feeAmount !== null ? 'payment_intent_data[application_fee_amount]' : 'subscription_data[application_fee_percent]' });
  }
  const expiresAt = optInt(ctx.params, 'expires_at') ?? null;
  if (expiresAt !== null && (expiresAt < now() + 1800 - 60 || expiresAt > now() + 86400 + 60)) {
    throw invalidParam('expires_at', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.');
  }
  const session = buildSession({
    mode,
    uiMode,
    lines,
    successUrl,
    cancelUrl: optStr(ctx.params, 'cancel_url') ?? null,
    returnUrl: optStr(ctx.params, 'return_url') ?? null,
    customer,
    customerEmail,
    customerCreation: optStr(ctx.params, 'customer_creation') ?? null,
    clientReferenceId: optStr(ctx.params, 'client_reference_id') ?? null,
    metadata: applyMetadata({}, ctx.params),
    publicUrl: ctx.sim.config.publicUrl,
    expiresAt,
  });
  ctx.sim.state.put(session, ctx.account);
  ctx.sim.state.sessionLineItems.set(session.id, lines.map((l) => buildLineItem(l, productName(ctx, l.price.product))));
  ctx.sim.state.sessionOptions.set(session.id, {
    lines,
    subscriptionMetadata: applyMetadata({}, subscriptionData),
    subscriptionDescription: optStr(subscriptionData, 'description') ?? null,
    applicationFeePercent: feePercent,
    paymentIntentMetadata: applyMetadata({}, paymentIntentData),
    paymentIntentDescription: optStr(paymentIntentData, 'description') ?? null,
    applicationFeeAmount: feeAmount,
    customerCreation: optStr(ctx.params, 'customer_creation') ?? null,
  });
  return session;
}

function productName(ctx: ApiContext, productId: string): string {
  const product = ctx.sim.state.find(productId, 'product')?.obj;
  return typeof product?.name === 'string' ? product.name : productId;
}

function session(ctx: ApiContext): CheckoutSession {
  const found = mustGet(ctx, ctx.path.id ?? '', 'checkout.session');
  for (const event of expireIfDue(ctx.sim, found)) void ctx.sim.dispatch([event]);
  return found;
}

export function registerCheckoutRoutes(deps: ApiDeps): void {
  route(deps, 'POST', '/v1/checkout/sessions', createSession);
  route(deps, 'GET', '/v1/checkout/sessions/:id', session);
  route(deps, 'GET', '/v1/checkout/sessions', (ctx) => {
    const filters: Array<[string, string | undefined]> = ['customer', 'payment_intent', 'subscription', 'status'].map((k) => [k, optStr(ctx.params, k)]);
    const items = ctx.sim.state.list('checkout.session', ctx.account, (o) => filters.every(([k, v]) => v === undefined || o[k] === v));
    return listOf(ctx, items, '/v1/checkout/sessions');
  });
  route(deps, 'GET', '/v1/checkout/sessions/:id/line_items', (ctx) => {
    const found = session(ctx);
    return listOf(ctx, ctx.sim.state.sessionLineItems.get(found.id) ?? [], `/v1/checkout/sessions/${found.id}/line_items`);
  });
  route(deps, 'POST', '/v1/checkout/sessions/:id/expire', (ctx) => {
    const found = session(ctx);
    if (found.status !== 'open') {
      throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${found.status}".`);
    }
    found.status = 'expired';
    found.url = null;
    ctx.emit('checkout.session.expired', found);
    return found;
  });
}
