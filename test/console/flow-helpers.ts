import { expect } from 'vitest';
import type { Harness } from '../accounts/helpers.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';

/** What the browser test does besides the browser: the REST API as curl would, and the simulator. */
export function flowHelpers(h: Harness, base: string) {
  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  }

  async function sim(method: string, path: string, body?: unknown): Promise<Response> {
    const init = body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return fetch(`${h.sim.url}${path}`, { method, ...init });
  }

  /** billing.can, asked until it gives the expected answer (webhooks land asynchronously). */
  async function allowed(entity: string, capability: string, expected: boolean): Promise<boolean> {
    let answer = await api<{ allowed: boolean }>('GET', `/entitlement/${entity}/${capability}`);
    for (let i = 0; i < 60 && answer.allowed !== expected; i++) {
      await new Promise((r) => setTimeout(r, 50));
      answer = await api<{ allowed: boolean }>('GET', `/entitlement/${entity}/${capability}`);
    }
    return answer.allowed;
  }

  async function monthlyPrice(account: string): Promise<string> {
    const res = await fetch(`${h.sim.url}/v1/prices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ENV.STRIPE_PLATFORM_SECRET_KEY}`, 'stripe-account': account, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ unit_amount: '1500', currency: 'usd', 'recurring[interval]': 'month', 'product_data[name]': 'Streaming' }).toString(),
    });
    return ((await res.json()) as { id: string }).id;
  }

  /**
   * Delivers, through the simulator, a `customer.subscription.updated` in the same second as the
   * state we hold for the subject's subscription, while the simulator fails every fetch of that
   * subscription: settling the tie needs Stripe, so the event fails. Answers its id.
   */
  async function deliverFailingTie(subject: string, capability: string): Promise<string> {
    const { rows } = await h.t.db.pool.query<{ source_id: string; stripe_account_id: string; last_event_created: Date }>(
      `SELECT source_id, stripe_account_id, last_event_created FROM np_stripe_entitlements WHERE entity_id = $1 AND capability = $2`,
      [subject, capability],
    );
    const grant = rows[0]!;
    const { object } = (await (await sim('GET', `/_sim/objects/${grant.source_id}`)).json()) as { object: Record<string, unknown> };
    await sim('POST', '/_sim/faults', { match: { method: 'GET', path: `/v1/subscriptions/${grant.source_id}` }, status: 500, count: 1000 });
    const event = {
      id: `evt_console_tie_${Date.now()}`,
      object: 'event',
      api_version: '2024-12-18.acacia',
      created: Math.floor(grant.last_event_created.getTime() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.subscription.updated',
      account: grant.stripe_account_id,
    };
    expect((await sim('POST', '/_sim/deliver', { event, channel: 'connect' })).status).toBe(200);
    return event.id;
  }

  return { api, sim, allowed, monthlyPrice, deliverFailingTie };
}
