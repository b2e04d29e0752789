import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import type { TestApp } from '../helpers/app.js';
import { appWithConnectedAccount, deliver, eventRowOf, grantsOf, makeEvent, subscriptionObject, TENANT, uniqueId } from './helpers.js';
import { API_VERSIONS, simEventIn } from './versions.js';

/**
 * Event objects through the webhook route as each API version shapes them, and signed objects
 * of no shape we read: recorded failed with the field named, never a TypeError.
 */

let sim: Simulator;
let t: TestApp;
let account: string;

async function simPost(path: string, body: unknown): Promise<{ object: { id: string }; events: Array<{ id: string; type: string }> }> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { object: { id: string }; events: Array<{ id: string; type: string }> };
}

beforeAll(async () => {
  ({ sim, t, account } = await appWithConnectedAccount());
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

describe('a signed object that matches no shape we read', () => {
  it('is recorded failed with the field named and answered 500, so Stripe retries it', async () => {
    const id = uniqueId('sub');
    const object = subscriptionObject({ id, status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' });
    const items = object.items as { data: Array<Record<string, unknown>> };
    items.data[0]!.quantity = '2';
    const event = makeEvent({ type: 'customer.subscription.updated', account, object });
    const reason = 'customer.subscription.updated: data.object.items.data[0].quantity: expected number, received string';

    const first = await deliver(t.app, event);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ error: { code: 'event_processing_failed' } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'failed', attempts: 1, last_error: reason });
    expect(await grantsOf(t.db.pool, id)).toEqual([]);
    // Stripe's retry carries the same payload: still failed, counted, never a TypeError.
    expect((await deliver(t.app, event)).status).toBe(500);
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'failed', attempts: 2, last_error: reason });
    expect(t.logs.join('')).not.toContain('TypeError');
  });

  it('names a missing field of an invoice too', async () => {
    const event = makeEvent({
      type: 'invoice.payment_failed',
      account,
      object: { id: uniqueId('in'), object: 'invoice', subscription: uniqueId('sub'), status: 'open', amount_due: 900, currency: 'usd' },
    });
    expect((await deliver(t.app, event)).status).toBe(500);
    expect((await eventRowOf(t.db.pool, event.id))?.last_error).toBe('invoice.payment_failed: data.object.attempted: expected boolean, received undefined');
  });

  it('of an account we do not know is ignored like any other of its events', async () => {
    const event = makeEvent({ type: 'customer.subscription.updated', account: uniqueId('acct'), object: { id: uniqueId('sub'), object: 'subscription', items: 'none' } });
    const res = await deliver(t.app, event);
    expect(res).toEqual({ status: 200, body: { received: true, ignored: true } });
    expect(await eventRowOf(t.db.pool, event.id)).toMatchObject({ outcome: 'ignored', ignored_reason: 'unknown_account' });
  });
});

describe.each(API_VERSIONS)('events of an endpoint on $version', (v) => {
  it('a subscription grants with its period, and its invoices flag and clear the payment flag', async () => {
    const metadata = { nself_tenant_id: TENANT, nself_entity_id: uniqueId('buyer'), nself_capabilities: 'pro' };
    const created = await simPost('/_sim/trigger', { type: 'customer.subscription.created', account, object: { metadata } });
    const subId = created.object.id;
    const event = simEventIn(sim, created.events[0]!.id, v);
    const sub = event.data.object as unknown as Record<string, unknown>;
    const item = (sub.items as { data: Array<Record<string, unknown>> }).data[0]!;
    // The shapes differ as Stripe's changelog says: the period on the subscription, or on its items only.
    const periodEnd = v.name === 'basil' ? item.current_period_end : sub.current_period_end;
    expect(v.name === 'basil' ? sub.current_period_end : item.current_period_end).toBeUndefined();
    expect((await deliver(t.app, event)).status).toBe(200);
    expect(await grantsOf(t.db.pool, subId)).toEqual([
      expect.objectContaining({ status: 'active', allowed: true, quantity: 1, current_period_end: new Date(Number(periodEnd) * 1000) }),
    ]);

    const pastDue = await simPost(`/_sim/subscriptions/${subId}/status`, { status: 'past_due' });
    const failed = simEventIn(sim, pastDue.events.find((e) => e.type === 'invoice.payment_failed')!.id, v);
    const invoice = failed.data.object as unknown as Record<string, unknown>;
    expect(v.name === 'basil' ? invoice.parent : invoice.subscription).toBeTruthy();
    expect(v.name === 'basil' ? invoice.subscription : invoice.parent).toBeUndefined();
    expect((await deliver(t.app, failed)).status).toBe(200);
    expect((await grantsOf(t.db.pool, subId))[0]).toMatchObject({ payment_failed: true });

    const active = await simPost(`/_sim/subscriptions/${subId}/status`, { status: 'active' });
    for (const e of active.events) expect((await deliver(t.app, simEventIn(sim, e.id, v))).status).toBe(200);
    expect((await grantsOf(t.db.pool, subId))[0]).toMatchObject({ status: 'active', allowed: true, payment_failed: false });
  });
});
