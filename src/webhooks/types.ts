import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Config } from '../config.js';
import type { Tx } from '../db/transaction.js';
import type { StripeClient } from '../stripe/client.js';

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

export const processed: HandlerResult = { outcome: 'processed' };
export const ignored = (reason: string): HandlerResult => ({ outcome: 'ignored', reason });
