import type { ApiDeps } from '../api.js';
import { route } from '../api.js';
import { invalidParam, invalidRequest, missingParam, noSuch } from '../errors.js';
import { cancelSubscription, updateSubscription } from '../flows/billing.js';
import { refundCharge } from '../flows/payments.js';
import { applyMetadata, optArr, optBool, optInt, optStr, reqStr, strings } from '../params.js';
import { buildTransfer } from '../objects/payments.js';
import { reachableAccount } from '../pipeline.js';
import { createdFilter, listOf, mustGet, mustGetAny } from './common.js';

const SUB_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'];

function filtered(names: string[], params: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const n of names) if (typeof params[n] === 'string') out.push([n, String(params[n])]);
  return out;
}

export function registerBillingRoutes(deps: ApiDeps): void {
  route(deps, 'GET', '/v1/subscriptions/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'subscription'));
  route(deps, 'GET', '/v1/subscriptions', (ctx) => {
    const status = optStr(ctx.params, 'status');
    if (status !== undefined && !SUB_STATUSES.includes(status)) throw invalidParam('status', `Invalid status: must be one of ${SUB_STATUSES.join(', ')}`);
    const customer = optStr(ctx.params, 'customer');
    const price = optStr(ctx.params, 'price');
    const created = createdFilter(ctx);
    const items = ctx.sim.state.list('subscription', ctx.account, (o) => {
      // Without `status`, Stripe lists every subscription that is not canceled.
      const statusOk = status === 'all' ? true : status === undefined ? o.status !== 'canceled' : status === 'ended' ? o.status === 'canceled' || o.status === 'incomplete_expired' : o.status === status;
      const priceOk = price === undefined || JSON.stringify(o.items).includes(`"id":"${price}"`);
      return statusOk && priceOk && (customer === undefined || o.customer === customer) && created(o);
    });
    return listOf(ctx, items, '/v1/subscriptions');
  });
  route(deps, 'POST', '/v1/subscriptions/:id', (ctx) => {
    const sub = mustGet(ctx, ctx.path.id ?? '', 'subscription');
    const cancelAtPeriodEnd = optBool(ctx.params, 'cancel_at_period_end');
    if (sub.status === 'canceled' && (cancelAtPeriodEnd !== undefined || optStr(ctx.params, 'description') !== undefined)) {
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
    }
    const events = updateSubscription(ctx.sim, sub, (s) => {
      s.metadata = applyMetadata(s.metadata, ctx.params);
      if (cancelAtPeriodEnd !== undefined) {
        s.cancel_at_period_end = cancelAtPeriodEnd;
        s.cancel_at = cancelAtPeriodEnd ? s.current_period_end : null;
        s.canceled_at = cancelAtPeriodEnd ? Math.floor(Date.now() / 1000) : null;
      }
      const description = optStr(ctx.params, 'description');
      if (description !== undefined) s.description = description;
    }, ctx.request);
    if (events.length > 0) void ctx.sim.dispatch(events);
    return sub;
  });
  route(deps, 'DELETE', '/v1/subscriptions/:id', (ctx) => {
    const sub = mustGet(ctx, ctx.path.id ?? '', 'subscription');
    if (sub.status === 'canceled') throw invalidRequest(`No such subscription: '${sub.id}'`, { code: 'resource_missing', param: 'id' }, 404);
    void ctx.sim.dispatch(cancelSubscription(ctx.sim, sub, ctx.request));
    return sub;
  });

  route(deps, 'GET', '/v1/invoices/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'invoice'));
  route(deps, 'GET', '/v1/invoices', (ctx) => {
    const f = filtered(['customer', 'subscription', 'status'], ctx.params);
    return listOf(ctx, ctx.sim.state.list('invoice', ctx.account, (o) => f.every(([k, v]) => o[k] === v)), '/v1/invoices');
  });
  route(deps, 'GET', '/v1/payment_intents/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'payment_intent'));
  route(deps, 'GET', '/v1/payment_intents', (ctx) => {
    const f = filtered(['customer'], ctx.params);
    return listOf(ctx, ctx.sim.state.list('payment_intent', ctx.account, (o) => f.every(([k, v]) => o[k] === v)), '/v1/payment_intents');
  });
  route(deps, 'GET', '/v1/charges/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'charge'));
  route(deps, 'GET', '/v1/charges', (ctx) => {
    const f = filtered(['customer', 'payment_intent'], ctx.params);
    return listOf(ctx, ctx.sim.state.list('charge', ctx.account, (o) => f.every(([k, v]) => o[k] === v)), '/v1/charges');
  });

  route(deps, 'POST', '/v1/refunds', (ctx) => {
    let chargeId = optStr(ctx.params, 'charge');
    const piId = optStr(ctx.params, 'payment_intent');
    if (chargeId === undefined && piId === undefined) throw missingParam('charge');
    if (chargeId === undefined && piId !== undefined) {
      const pi = mustGet(ctx, piId, 'payment_intent', 'payment_intent', 400);
      chargeId = pi.latest_charge ?? '';
    }
    const charge = mustGet(ctx, chargeId ?? '', 'charge', 'charge', 400);
    const { refund, events } = refundCharge(ctx.sim, charge, optInt(ctx.params, 'amount'), optStr(ctx.params, 'reason') ?? null, ctx.request);
    refund.metadata = applyMetadata({}, ctx.params);
    void ctx.sim.dispatch(events);
    return refund;
  });
  route(deps, 'GET', '/v1/refunds/:id', (ctx) => mustGetAny(ctx, ctx.path.id ?? '', 'refund'));
  route(deps, 'GET', '/v1/disputes/:id', (ctx) => mustGetAny(ctx, ctx.path.id ?? '', 'dispute'));
  route(deps, 'GET', '/v1/transfers/:id', (ctx) => mustGetAny(ctx, ctx.path.id ?? '', 'transfer'));
  route(deps, 'POST', '/v1/transfers', (ctx) => {
    const amount = optInt(ctx.params, 'amount');
    if (amount === undefined) throw missingParam('amount');
    const destination = reqStr(ctx.params, 'destination');
    if (!reachableAccount(ctx.sim, destination)) throw noSuch('destination', destination, 'destination', 400);
    const transfer = buildTransfer({
      amount,
      currency: reqStr(ctx.params, 'currency').toLowerCase(),
      destination,
      description: optStr(ctx.params, 'description') ?? null,
      metadata: applyMetadata({}, ctx.params),
      transferGroup: optStr(ctx.params, 'transfer_group') ?? null,
    });
    ctx.sim.state.put(transfer, ctx.account);
    ctx.emit('transfer.created', transfer);
    return transfer;
  });

  route(deps, 'GET', '/v1/events/:id', (ctx) => mustGetAny(ctx, ctx.path.id ?? '', 'event'));
  route(deps, 'GET', '/v1/events', (ctx) => {
    const type = optStr(ctx.params, 'type');
    const types = strings(optArr(ctx.params, 'types'));
    const created = createdFilter(ctx);
    const matchType = (t: string): boolean =>
      (type === undefined || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type)) && (types.length === 0 || types.includes(t));
    const items = ctx.sim.state.list('event', ctx.account, (o) => typeof o.type === 'string' && matchType(o.type) && created(o));
    return listOf(ctx, items, '/v1/events');
  });
}
