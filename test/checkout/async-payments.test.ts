import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningHarness, type Harness } from '../accounts/helpers.js';
import { oneTimePrice, operator, postCheckout, recurringPrice, type World } from '../entitlements/fixtures.js';
import { AUTH } from '../helpers/config.js';

/**
 * A bank debit from the simulator's hosted Checkout page to billing.can, every event signed and
 * delivered by the simulator to the service's Connect webhook route: the session completes
 * unpaid (nothing allowed), and only the bank's answer decides.
 */
let h: Harness;
let w: World;
let account: string;
let listener: pg.Client;
const notes: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  ({ h } = await startListeningHarness());
  w = { sim: h.sim, t: h.t, stripe: h.t.app.ctx.stripe, close: () => h.close() };
  account = await operator(w, 'shop');
  listener = new pg.Client({ connectionString: h.t.db.url });
  await listener.connect();
  listener.on('notification', (m) => notes.push(JSON.parse(m.payload ?? '{}') as Record<string, unknown>));
  await listener.query('LISTEN np_stripe_notifications');
}, 60_000);
afterAll(async () => {
  await listener?.end();
  await h?.close();
});

type Answer = { allowed: boolean; status: string };
const check = async (entity: string, capability: string): Promise<Answer> =>
  (await h.t.app.inject({ method: 'GET', url: `/entitlement/${entity}/${capability}`, headers: AUTH })).json<Answer>();

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 30));
    value = await read();
  }
  return value;
}

/** /checkout for the subject, then the hosted page's "Pay by bank debit" button. */
async function payByBankDebit(price: string, subject: string, capability: string): Promise<string> {
  const res = await postCheckout(w, { entity_id: 'shop', subject_id: subject, price_id: price, capabilities: [capability] });
  const { id, url } = res.json<{ id: string; url: string }>();
  const html = await (await fetch(url)).text();
  expect(html).toContain('id="pay-bank-debit"');
  const paid = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: `${subject}@example.com`, payment_method: 'us_bank_account' }).toString(),
  });
  expect(paid.status).toBe(302);
  return id;
}

/** How the service recorded the session's checkout.session.* events: outcome, or the reason it ignored one. */
async function outcomes(session: string): Promise<Record<string, string>> {
  const { rows } = await h.t.db.pool.query<{ type: string; outcome: string; ignored_reason: string | null }>(
    `SELECT type, outcome, ignored_reason FROM np_stripe_processed_events
      WHERE type LIKE 'checkout.session.%' AND payload->'data'->'object'->>'id' = $1`,
    [session],
  );
  return Object.fromEntries(rows.map((r) => [r.type, r.ignored_reason ?? r.outcome]));
}

const settle = (session: string, outcome: 'succeeded' | 'failed') =>
  fetch(`${h.sim.url}/_sim/checkout_sessions/${session}/settle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome }) });

describe('Checkout paid by bank debit, end to end', () => {
  it('a one-time purchase: unpaid at completion, allowed once the debit succeeds', async () => {
    const price = (await oneTimePrice(w, account)).id;
    const session = await payByBankDebit(price, 'dee', 'lifetime');
    expect(await check('dee', 'lifetime')).toMatchObject({ allowed: false, status: 'none' });
    expect(await until(() => outcomes(session), (o) => o['checkout.session.completed'] !== undefined)).toEqual({ 'checkout.session.completed': 'payment_status_unpaid' });

    expect((await settle(session, 'succeeded')).status).toBe(200);
    expect(await until(() => check('dee', 'lifetime'), (a) => a.allowed)).toMatchObject({ allowed: true, status: 'paid' });
    expect(await outcomes(session)).toEqual({ 'checkout.session.completed': 'payment_status_unpaid', 'checkout.session.async_payment_succeeded': 'processed' });
  });

  it('a subscription: incomplete and denied until the debit succeeds, then active', async () => {
    const price = (await recurringPrice(w, account)).id;
    const session = await payByBankDebit(price, 'eve', 'pro');
    expect(await until(() => check('eve', 'pro'), (a) => a.status !== 'none')).toMatchObject({ allowed: false, status: 'incomplete' });
    expect((await settle(session, 'succeeded')).status).toBe(200);
    expect(await until(() => check('eve', 'pro'), (a) => a.allowed)).toMatchObject({ allowed: true, status: 'active' });
    expect(await until(() => outcomes(session), (o) => o['checkout.session.async_payment_succeeded'] !== undefined)).toEqual({
      'checkout.session.completed': 'payment_status_unpaid',
      'checkout.session.async_payment_succeeded': 'processed',
    });
  });

  it('a debit that fails grants nothing and notifies', async () => {
    const price = (await oneTimePrice(w, account)).id;
    const session = await payByBankDebit(price, 'fay', 'lifetime');
    expect((await settle(session, 'failed')).status).toBe(200);
    const note = await until(async () => notes.find((n) => n.checkout_session_id === session), (n) => n !== undefined);
    expect(note).toMatchObject({ kind: 'checkout.session.async_payment_failed', stripe_account_id: account, entity_id: 'fay' });
    expect(await check('fay', 'lifetime')).toMatchObject({ allowed: false, status: 'none' });
    expect(await outcomes(session)).toEqual({ 'checkout.session.completed': 'payment_status_unpaid', 'checkout.session.async_payment_failed': 'processed' });
  });

  it('every event these flows sent was applied or knowingly ignored: the simulator’s objects read as Stripe’s do', async () => {
    const { rows } = await h.t.db.pool.query<{ type: string; outcome: string; reason: string | null }>(
      `SELECT DISTINCT type, outcome, ignored_reason AS reason FROM np_stripe_processed_events ORDER BY type, outcome`,
    );
    expect(rows.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(rows).toContainEqual({ type: 'payment_intent.processing', outcome: 'ignored', reason: 'unhandled_type' });
    expect(rows).toContainEqual({ type: 'invoice.payment_succeeded', outcome: 'ignored', reason: 'unhandled_type' });
    expect(rows).toContainEqual({ type: 'payment_intent.succeeded', outcome: 'processed', reason: null });
  });
});
