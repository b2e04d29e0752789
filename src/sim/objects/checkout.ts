import { now, randomChars } from '../ids.js';
import { clone, type JsonObject, type StripeObject } from '../json.js';
import type { Price } from './catalog.js';

export interface CheckoutSession extends StripeObject {
  object: 'checkout.session';
  mode: string;
  status: string;
  payment_status: string;
  customer: string | null;
  customer_email: string | null;
  customer_details: JsonObject | null;
  subscription: string | null;
  payment_intent: string | null;
  invoice: string | null;
  metadata: JsonObject;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  expires_at: number;
  amount_total: number | null;
  currency: string | null;
}

export interface CheckoutLine {
  price: Price;
  quantity: number;
}

export interface SessionInput {
  mode: string;
  uiMode: string;
  lines: CheckoutLine[];
  successUrl: string | null;
  cancelUrl: string | null;
  returnUrl: string | null;
  customer: string | null;
  customerEmail: string | null;
  /** `customer_creation` as requested; Stripe shows `if_required` for a payment without one. */
  customerCreation?: string | null;
  clientReferenceId: string | null;
  metadata: JsonObject;
  publicUrl: string;
  expiresAt: number | null;
}

export function buildSession(input: SessionInput): CheckoutSession {
  const id = `cs_test_a1${randomChars(56)}`;
  const total = input.lines.reduce((sum, l) => sum + (l.price.unit_amount ?? 0) * l.quantity, 0);
  const currency = input.lines[0]?.price.currency ?? null;
  const hosted = input.uiMode === 'hosted';
  const session: CheckoutSession = {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: hosted ? null : `${id}_secret_${randomChars(24)}`,
    consent: null,
    consent_collection: null,
    created: now(),
    currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_creation: input.customerCreation ?? (input.customer === null && input.mode === 'payment' ? 'if_required' : null),
    customer_details: null,
    customer_email: input.customerEmail,
    expires_at: input.expiresAt ?? now() + 24 * 3600,
    invoice: null,
    invoice_creation: input.mode === 'payment'
      ? { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } }
      : null,
    livemode: false,
    locale: null,
    metadata: input.metadata,
    mode: input.mode,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: input.mode === 'subscription' ? 'always' : 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_details: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: input.uiMode,
    url: hosted ? `${input.publicUrl}/c/pay/${id}` : null,
  };
  // Stripe only returns `return_url` on embedded sessions (it is not nullable in the schema).
  if (!hosted) session.return_url = input.returnUrl;
  return session;
}

/** Checkout's own line item object (`item`), listed at /v1/checkout/sessions/:id/line_items. */
export function buildLineItem(line: CheckoutLine, productName: string): StripeObject {
  const amount = (line.price.unit_amount ?? 0) * line.quantity;
  return {
    id: `li_1${randomChars(23)}`,
    object: 'item',
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: line.price.currency,
    description: productName,
    price: clone(line.price),
    quantity: line.quantity,
  };
}
