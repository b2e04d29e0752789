import { newId, now } from './ids.js';
import { clone, type JsonObject, type StripeObject } from './json.js';
import type { SimState } from './state.js';
import { DEFAULT_API_VERSION } from './versions.js';
import type { Channel, DeliverOptions, Deliverer } from './webhooks.js';

export const API_VERSION = DEFAULT_API_VERSION;

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

export interface EventOptions {
  /** The connected account the object lives under: set → Connect channel, `account` on the event. */
  account: string | null;
  previous?: JsonObject;
  request?: RequestInfo;
  apiVersion?: string | null;
}

export interface SimConfig {
  publicUrl: string;
  clientId: string;
  secretKeys: string[];
}

/** The simulator's core: state, config, and the event log that feeds webhook delivery. */
export class Sim {
  constructor(
    readonly state: SimState,
    readonly config: SimConfig,
    readonly deliverer: Deliverer,
  ) {}

  /** Record an event (a snapshot of the object now); delivery is the caller's choice. */
  event(type: string, obj: StripeObject, opts: EventOptions): StripeObject {
    const data: JsonObject = { object: clone(obj) };
    if (opts.previous !== undefined) data.previous_attributes = clone(opts.previous);
    const channel: Channel = opts.account === null ? 'platform' : 'connect';
    const event: StripeObject = {
      id: newId('evt', 24),
      object: 'event',
      api_version: opts.apiVersion === undefined ? API_VERSION : opts.apiVersion,
      created: now(),
      data,
      livemode: false,
      pending_webhooks: this.deliverer.urlFor(channel) === null ? 0 : 1,
      request: { id: opts.request?.id ?? null, idempotency_key: opts.request?.idempotency_key ?? null },
      type,
    };
    // Stripe puts `account` right after `id`-ish fields; order does not matter to parsers.
    if (opts.account !== null) event.account = opts.account;
    this.state.put(event, opts.account);
    return event;
  }

  dispatch(events: StripeObject[], options: DeliverOptions & { reorder?: boolean } = {}): Promise<void> {
    const ordered = options.reorder === true ? [...events].reverse() : events;
    return this.deliverer.deliver(ordered, null, options);
  }
}
