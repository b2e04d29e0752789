import fc from 'fast-check';
import type Stripe from 'stripe';
import type { Pool } from '../../src/db/pool.js';
import { makeEvent as makeAnyEvent, TENANT, type EventInput } from './helpers.js';
import type { ApiVersion } from './versions.js';

/**
 * Random event sequences over a small world, so events keep meeting the same subscriptions,
 * payments and accounts: every one of the 12 types (and one we do not handle), known, pending,
 * foreign-tenant and unknown accounts, metadata that names another tenant or nothing, statuses,
 * refunds before payments, invoices before subscriptions, few distinct seconds (ties), test and
 * live mode, redeliveries of earlier events, and now and then an object of no shape we read.
 * Subscriptions and invoices take the shape of the API version asked for: acacia's periods on
 * the subscription and `subscription`/`subscription_details` on invoices, or basil's periods on
 * the items and `parent.subscription_details`.
 */

export const OTHER_TENANT = '9b2d5c1e-7f3a-4c8b-8e6d-2a1f0b9c8d7e';

export interface World {
  prefix: string;
  known: string;
  foreign: string;
  pending: string;
  pendingEntity: string;
  unknown: string;
  base: number;
}

export function world(prefix: string): World {
  return {
    prefix,
    known: `acct_${prefix}known`,
    foreign: `acct_${prefix}foreign`,
    pending: `acct_${prefix}pending`,
    pendingEntity: `op_${prefix}pending`,
    unknown: `acct_${prefix}unknown`,
    base: Math.floor(Date.now() / 1000) - 3600,
  };
}

/** The rows onboarding would have left: two linked operators (two tenants) and one /onboard has not linked yet. */
export async function seedWorld(pool: Pool, w: World): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, charges_enabled)
     VALUES ($1, $2, $3, 'account_link', 'active', true), ($4, $5, $6, 'account_link', 'active', true),
            ($1, $7, NULL, 'account_link', 'pending', false)`,
    [TENANT, `op_${w.prefix}known`, w.known, OTHER_TENANT, `op_${w.prefix}foreign`, w.foreign, w.pendingEntity],
  );
}

const pick = <T>(...items: T[]) => fc.constantFrom(...items);

function metadataArb(w: World) {
  return fc.record({
    tenant: pick<string | null>(TENANT, TENANT, TENANT, TENANT, null, null, OTHER_TENANT, 'not-a-uuid'),
    entity: pick<string | null>(`buyer_${w.prefix}1`, `buyer_${w.prefix}2`, null, 'bad entity/'),
    caps: pick<string | null>('pro', 'pro,team', 'team, pro ,pro', null, '!!'),
  }).map(({ tenant, entity, caps }) => {
    const m: Record<string, string> = {};
    if (tenant !== null) m.nself_tenant_id = tenant;
    if (entity !== null) m.nself_entity_id = entity;
    if (caps !== null) m.nself_capabilities = caps;
    return m;
  });
}

/** Which events: all kinds, or mostly subscription events over more subscriptions (batches that apply them together). */
export type EventMix = 'all' | 'subscriptions';

export function eventArb(w: World, v: ApiVersion, mix: EventMix = 'all'): fc.Arbitrary<Stripe.Event> {
  const p = w.prefix;
  const basil = v.name === 'basil';
  const makeEvent = (e: EventInput) => makeAnyEvent({ ...e, apiVersion: v.version });
  const account = pick<string | null>(w.known, w.known, w.known, w.known, w.known, w.foreign, w.unknown, null);
  const created = fc.integer({ min: 0, max: 6 }).map((s) => w.base + s);
  const livemode = pick(false, false, false, false, false, true);
  const sub = mix === 'all' ? pick(`sub_${p}1`, `sub_${p}2`) : pick(...[1, 2, 3, 4, 5, 6].map((n) => `sub_${p}${n}`));
  const pi = pick(`pi_${p}1`, `pi_${p}2`);
  const common = fc.record({ account, created, livemode });

  const subscription = fc
    .record({
      c: common,
      type: pick('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted'),
      id: sub,
      status: pick('active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete_expired', 'paused'),
      metadata: metadataArb(w),
      quantities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
      end: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
    })
    .map(({ c, type, id, status, metadata, quantities, end }) => {
      const period = end === null ? {} : { current_period_end: w.base + end * 86400 };
      const items = quantities.map((q, i) => ({ id: `si_${id}_${i}`, object: 'subscription_item', quantity: q, ...(basil ? period : {}) }));
      const object = { id, object: 'subscription', status, customer: `cus_${p}`, items: { object: 'list', data: items }, metadata, ...(basil ? {} : period) };
      return makeEvent({ type, object, ...c });
    });

  const invoice = fc
    .record({ c: common, type: pick('invoice.paid', 'invoice.payment_failed'), sub: fc.option(sub, { nil: null }), n: fc.integer({ min: 1, max: 3 }) })
    .map(({ c, type, sub: s, n }) => {
      const link = basil
        ? { parent: s === null ? null : { type: 'subscription_details', subscription_details: { subscription: s, metadata: {} } } }
        : { subscription: s, subscription_details: s === null ? null : { metadata: {} } };
      const object = { id: `in_${p}${n}`, object: 'invoice', customer: `cus_${p}`, status: type === 'invoice.paid' ? 'paid' : 'open', attempted: true, amount_due: 900, currency: 'usd', ...link };
      return makeEvent({ type, object, ...c });
    });

  const checkout = fc
    // A payment that cost nothing (no_payment_required) has no payment intent: the session backs the grant.
    .record({ c: common, mode: pick('subscription', 'payment', 'setup'), paid: pick('paid', 'unpaid', 'no_payment_required'), sub, pi, noIntent: fc.boolean(), metadata: metadataArb(w), n: fc.integer({ min: 1, max: 3 }) })
    .map(({ c, mode, paid, sub: s, pi: intent, noIntent, metadata, n }) =>
      makeEvent({
        type: 'checkout.session.completed',
        object: { id: `cs_${p}${n}`, object: 'checkout.session', mode, payment_status: paid, customer: `cus_${p}`, subscription: mode === 'subscription' ? s : null, payment_intent: mode === 'payment' && !noIntent ? intent : null, metadata },
        ...c,
      }),
    );

  const payment = fc.record({ c: common, id: pi, metadata: metadataArb(w), received: pick(0, 5000) }).map(({ c, id, metadata, received }) =>
    makeEvent({ type: 'payment_intent.succeeded', object: { id, object: 'payment_intent', amount: 5000, amount_received: received, currency: 'usd', status: 'succeeded', customer: `cus_${p}`, metadata }, ...c }),
  );

  const refund = fc.record({ c: common, pi, n: fc.integer({ min: 1, max: 2 }), refunded: pick(0, 1000, 5000) }).map(({ c, pi: intent, n, refunded }) =>
    makeEvent({ type: 'charge.refunded', object: { id: `ch_${p}${n}`, object: 'charge', amount: 5000, amount_refunded: refunded, currency: 'usd', payment_intent: intent, metadata: {} }, ...c }),
  );

  const dispute = fc.record({ c: common, pi, n: fc.integer({ min: 1, max: 2 }), charge: fc.boolean() }).map(({ c, pi: intent, n, charge }) =>
    makeEvent({ type: 'charge.dispute.created', object: { id: `dp_${p}${n}`, object: 'dispute', amount: 5000, currency: 'usd', charge: charge ? `ch_${p}${n}` : null, payment_intent: intent, reason: 'fraudulent', metadata: {} }, ...c }),
  );

  const transfer = fc.record({ created, livemode, dest: pick(w.known, w.foreign, w.unknown), n: fc.integer({ min: 1, max: 2 }), metadata: metadataArb(w) }).map(({ created: t, livemode: l, dest, n, metadata }) =>
    makeEvent({ type: 'transfer.created', object: { id: `tr_${p}${n}`, object: 'transfer', amount: 1500, amount_reversed: 0, reversed: false, currency: 'usd', destination: dest, metadata }, created: t, livemode: l, account: null }),
  );

  const accountUpdated = fc
    .record({ created, livemode, id: pick(w.known, w.pending, w.unknown, w.foreign), names: pick<'pending' | 'other' | 'none'>('pending', 'other', 'none'), flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), disabled: fc.boolean() })
    .map(({ created: t, livemode: l, id, names, flags: [details, charges, payouts], disabled }) => {
      const metadata = names === 'pending' ? { nself_tenant_id: TENANT, nself_entity_id: w.pendingEntity } : names === 'other' ? { nself_tenant_id: TENANT, nself_entity_id: `op_${w.prefix}nobody` } : {};
      const requirements = { currently_due: ['b_field', 'a_field'], past_due: ['a_field'], disabled_reason: disabled ? 'requirements.past_due' : null, current_deadline: details ? null : 1_767_225_600 };
      const object = { id, object: 'account', details_submitted: details, charges_enabled: charges, payouts_enabled: payouts, email: `${id}@example.com`, country: 'US', requirements, metadata };
      return makeEvent({ type: 'account.updated', object, account: id, created: t, livemode: l });
    });

  const deauthorized = fc.record({ created, id: pick(w.known, w.foreign, w.unknown) }).map(({ created: t, id }) =>
    ({ ...makeEvent({ type: 'account.application.deauthorized', object: { id: 'ca_app', object: 'application' }, account: id, created: t }), api_version: null }) as unknown as Stripe.Event,
  );

  const unhandled = common.map((c) => makeEvent({ type: 'customer.created', object: { id: `cus_${p}`, object: 'customer', metadata: {} }, ...c }));

  // Signed, yet of no shape we read: failed when it is ours to apply, ignored when it is not.
  const malformed = fc.record({ c: common, id: sub, which: fc.boolean() }).map(({ c, id, which }) =>
    which
      ? makeEvent({ type: 'customer.subscription.updated', object: { id, object: 'subscription', status: 'active', customer: `cus_${p}`, items: { data: [{ id: `si_${id}_0`, quantity: 'two' }] }, metadata: {} }, ...c })
      : makeEvent({ type: 'invoice.paid', object: { id: `in_${p}9`, object: 'invoice', status: 'paid', amount_due: 900, currency: 'usd' }, ...c }),
  );

  if (mix === 'subscriptions') {
    return fc.oneof(
      { weight: 12, arbitrary: subscription },
      { weight: 1, arbitrary: invoice },
      { weight: 1, arbitrary: checkout },
      { weight: 1, arbitrary: unhandled },
      { weight: 1, arbitrary: malformed },
    );
  }
  return fc.oneof(
    { weight: 6, arbitrary: subscription },
    { weight: 3, arbitrary: invoice },
    { weight: 2, arbitrary: checkout },
    { weight: 2, arbitrary: payment },
    { weight: 2, arbitrary: refund },
    { weight: 1, arbitrary: dispute },
    { weight: 1, arbitrary: transfer },
    { weight: 2, arbitrary: accountUpdated },
    { weight: 1, arbitrary: deauthorized },
    { weight: 1, arbitrary: unhandled },
    { weight: 1, arbitrary: malformed },
  );
}

/** A sequence of deliveries: new events, and now and then an earlier one again (Stripe redelivers). */
export function deliveriesArb(w: World, v: ApiVersion, mix: EventMix = 'all'): fc.Arbitrary<Stripe.Event[]> {
  return fc
    .array(fc.tuple(eventArb(w, v, mix), fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() })), { minLength: 1, maxLength: 40, size: 'max' })
    .map((items) => {
      const out: Stripe.Event[] = [];
      for (const [event, again] of items) out.push(again !== null && out.length > 0 ? out[again % out.length]! : event);
      return out;
    });
}
