import type { StripeObject } from '../json.js';
import type { Account } from './account.js';
import type { Invoice, Subscription } from './billing.js';
import type { Customer, Price, Product } from './catalog.js';
import type { CheckoutSession } from './checkout.js';
import type { Charge, PaymentIntent } from './payments.js';
import type { PortalConfiguration } from './portal.js';

/** Objects are stored untyped; their `object` field says which builder made them. */
export interface Kinds {
  account: Account;
  price: Price;
  product: Product;
  customer: Customer;
  subscription: Subscription;
  invoice: Invoice;
  charge: Charge;
  payment_intent: PaymentIntent;
  'checkout.session': CheckoutSession;
  'billing_portal.configuration': PortalConfiguration;
}

export type Kind = keyof Kinds;

export function isKind<K extends Kind>(obj: StripeObject | undefined, kind: K): obj is Kinds[K] {
  return obj !== undefined && obj.object === kind;
}
