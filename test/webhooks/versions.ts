import type Stripe from 'stripe';
import type { Simulator } from '../../src/sim/index.js';
import { renderEvent } from '../../src/sim/shapes.js';
import type { Shape } from '../../src/sim/versions.js';

/** The API versions the service reads events in: the seed's default and a basil one. */
export interface ApiVersion {
  name: Shape;
  version: string;
}

export const API_VERSIONS: readonly ApiVersion[] = [
  { name: 'acacia', version: '2024-12-18.acacia' },
  { name: 'basil', version: '2025-03-31.basil' },
];

/**
 * A simulator event as a webhook endpoint set to `v` receives it: rendered by the simulator's
 * own version transforms (basil: subscription periods only on items, an invoice's subscription
 * and metadata under parent.subscription_details), `api_version` saying so.
 */
export function simEventIn(sim: Simulator, eventId: string, v: ApiVersion): Stripe.Event {
  const stored = sim.state.find(eventId, 'event');
  if (!stored) throw new Error(`no event ${eventId} in the simulator`);
  return renderEvent(stored.obj, v.version, v.name) as unknown as Stripe.Event;
}
