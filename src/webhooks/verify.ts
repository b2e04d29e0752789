import Stripe from 'stripe';
import { BadRequest } from '../http/errors.js';
import type { Channel } from './types.js';

// Stripe's default: a signature older than five minutes is a replay, not a delivery.
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const invalidSignature = (message: string) => new BadRequest(message, undefined, 'invalid_signature');

export interface Delivery {
  channel: Channel;
  raw: Buffer;
  signature: string | undefined;
  /** The `Stripe-Account` header, when Stripe sent one. */
  stripeAccount: string | undefined;
  secrets: string[];
}

/**
 * Verifies `Stripe-Signature` against each secret of the channel (several during a rotation)
 * with the SDK's constant-time check, before anything is parsed or stored. Returns the event.
 */
export function verifyDelivery(stripe: Stripe, d: Delivery): Stripe.Event {
  if (!d.signature) throw invalidSignature('Missing Stripe-Signature header');
  let event: Stripe.Event | null = null;
  for (const secret of d.secrets) {
    try {
      event = stripe.webhooks.constructEvent(d.raw, d.signature, secret, SIGNATURE_TOLERANCE_SECONDS);
      break;
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) continue;
      // Signed, yet not JSON: it came from someone holding our secret, but it is still unusable.
      throw new BadRequest('The signed payload is not valid JSON', undefined, 'invalid_payload');
    }
  }
  if (!event) throw invalidSignature('Stripe-Signature does not verify (wrong secret, tampered body or stale timestamp)');
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.created !== 'number' || !event.data?.object) {
    throw new BadRequest('The signed payload is not a Stripe event', undefined, 'invalid_payload');
  }
  if (d.channel === 'connect') {
    if (typeof event.account !== 'string' || event.account.length === 0) {
      throw new BadRequest('A Connect event must name its account', undefined, 'missing_account');
    }
    if (d.stripeAccount !== undefined && d.stripeAccount !== event.account) {
      throw new BadRequest('The Stripe-Account header does not match the event account', undefined, 'account_mismatch');
    }
  }
  return event;
}
