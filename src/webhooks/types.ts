import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Config } from '../config.js';
import type { Tx } from '../db/transaction.js';
import type { StripeClient } from '../stripe/client.js';
import type { ObjectReader } from '../stripe/objects/read.js';

export type Channel = 'platform' | 'connect';

/** What a handler may use besides the transaction: never its own connection. */
export interface HandlerContext {
  config: Config;
  stripe: StripeClient;
  logger: Logger;
  channel: Channel;
  /** The tenant the event belongs to: its connected account row's (platform events: metadata, else the default). */
  tenantId: string;
}

export type HandlerResult = { outcome: 'processed' } | { outcome: 'ignored'; reason: string };

/**
 * Applies one event's effect inside the pipeline's transaction. It must be a function of
 * (tx, event, ctx): the event row and the effect then commit or roll back together.
 */
export type EventHandler = (tx: Tx, event: Stripe.Event, ctx: HandlerContext) => Promise<HandlerResult>;

/**
 * The envelope of an event, the same in every API version. Object handlers get this, not the
 * SDK's Stripe.Event, whose `data.object` is typed for the SDK's own API version: the object
 * comes to them only as its schema read it.
 */
export interface EventEnvelope {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  account?: string;
}

/** A handler of one object type: it gets the event's object as its schema read it (src/stripe/objects/). */
export type ObjectHandler<T> = (tx: Tx, event: EventEnvelope, object: T, ctx: HandlerContext) => Promise<HandlerResult>;

/** The event's object read through `read`; a mismatch throws MalformedStripeObject naming `data.object.<field>`. */
export function readEventObject<T>(read: ObjectReader<T>, event: Stripe.Event): T {
  return read(event.data.object, event.type, 'data.object');
}

/**
 * An EventHandler that first reads the event's object through its schema, so the handler never
 * sees the SDK's types (another API version's) nor an object of a shape it cannot apply. The
 * object is read only once the pipeline decided the event is ours to apply: a malformed object
 * of an account we do not know is ignored like any other of its events.
 */
export function objectHandler<T>(read: ObjectReader<T>, apply: ObjectHandler<T>): EventHandler {
  return (tx, event, ctx) => apply(tx, event, readEventObject(read, event), ctx);
}

export const processed: HandlerResult = { outcome: 'processed' };
export const ignored = (reason: string): HandlerResult => ({ outcome: 'ignored', reason });
