import type Stripe from 'stripe';
import type { Simulator } from '../../../src/sim/index.js';

export interface FaultRule {
  match: { method?: string; path: string };
  status?: number;
  hang_ms?: number;
  count?: number;
}

/** POST /_sim/faults: the next `count` matching Stripe calls fail or hang. */
export async function injectFault(sim: Simulator, rule: FaultRule): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  if (res.status !== 200) throw new Error(`fault refused: ${res.status}`);
}

export async function clearFaults(sim: Simulator): Promise<void> {
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
}

/** Express accounts the simulator holds for one of our entities (by the metadata onboarding sets). */
export async function accountsAtStripe(stripe: Stripe, entityId: string): Promise<string[]> {
  const all = await stripe.accounts.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.filter((a) => a.metadata?.nself_entity_id === entityId).map((a) => a.id);
}

/** Checkout Sessions under `account` selling to `subject`. */
export async function sessionsAtStripe(stripe: Stripe, account: string, subject: string): Promise<string[]> {
  const all = await stripe.checkout.sessions.list({ limit: 100 }, { stripeAccount: account }).autoPagingToArray({ limit: 10_000 });
  return all.filter((s) => s.metadata?.nself_entity_id === subject).map((s) => s.id);
}
