import { newId, now } from '../ids.js';
import { clone, isObject, type JsonObject, type StripeObject } from '../json.js';
import { planOf, type Price } from './catalog.js';

export interface Subscription extends StripeObject {
  object: 'subscription';
  customer: string;
  status: string;
  metadata: JsonObject;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  current_period_start: number;
  current_period_end: number;
  latest_invoice: string | null;
  items: JsonObject;
}

export interface Invoice extends StripeObject {
  object: 'invoice';
  customer: string;
  subscription: string | null;
  status: string;
  paid: boolean;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  charge: string | null;
  payment_intent: string | null;
  status_transitions: JsonObject;
}

const DAY = 86400;

/** The end of one billing period (calendar month/year like Stripe, days/weeks exact). */
export function periodEnd(start: number, interval: string, count: number): number {
  const date = new Date(start * 1000);
  if (interval === 'day') return start + DAY * count;
  if (interval === 'week') return start + 7 * DAY * count;
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + count);
  else date.setUTCMonth(date.getUTCMonth() + count);
  return Math.floor(date.getTime() / 1000);
}

export interface SubscriptionLine {
  price: Price;
  quantity: number;
}

export interface SubscriptionInput {
  customer: string;
  lines: SubscriptionLine[];
  metadata: JsonObject;
  applicationFeePercent: number | null;
  description: string | null;
}

export function buildSubscription(input: SubscriptionInput): Subscription {
  const id = newId('sub', 24);
  const start = now();
  const first = input.lines[0]?.price;
  const interval = typeof first?.recurring?.interval === 'string' ? first.recurring.interval : 'month';
  const count = typeof first?.recurring?.interval_count === 'number' ? first.recurring.interval_count : 1;
  const end = periodEnd(start, interval, count);
  const items = input.lines.map((line) => ({
    id: newId('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: start,
    // Acacia keeps the billing period on the subscription only; basil answers move it onto
    // the items (src/sim/shapes.ts).
    discounts: [],
    metadata: {},
    plan: planOf(line.price),
    price: clone(line.price),
    quantity: line.quantity,
    subscription: id,
    tax_rates: [],
  }));
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: input.applicationFeePercent,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: start,
    billing_cycle_anchor_config: null,
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: start,
    currency: first?.currency ?? 'usd',
    current_period_end: end,
    current_period_start: start,
    customer: input.customer,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description,
    discount: null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: start,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}

export interface InvoiceInput {
  customer: string;
  customerEmail: string | null;
  subscription: Subscription | null;
  lines: SubscriptionLine[];
  billingReason: string;
  accountCountry: string;
}

export function buildInvoice(input: InvoiceInput): Invoice {
  const id = newId('in', 24);
  const created = now();
  const sub = input.subscription;
  const periodStart = sub?.current_period_start ?? created;
  const periodEndAt = sub?.current_period_end ?? created;
  const items = sub && Array.isArray(sub.items.data) ? sub.items.data : [];
  const lines = input.lines.map((line) => {
    const item = items.find((it) => isObject(it) && isObject(it.price) && it.price.id === line.price.id);
    const amount = (line.price.unit_amount ?? 0) * line.quantity;
    return {
      id: newId('il', 24),
      object: 'line_item',
      amount,
      amount_excluding_tax: amount,
      currency: line.price.currency,
      description: `${line.quantity} × ${line.price.nickname ?? line.price.product}`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: false,
      metadata: sub ? clone(sub.metadata) : {},
      period: { end: periodEndAt, start: periodStart },
      plan: planOf(line.price),
      price: clone(line.price),
      proration: false,
      proration_details: { credited_items: null },
      quantity: line.quantity,
      subscription: sub?.id ?? null,
      ...(isObject(item) && typeof item.id === 'string' ? { subscription_item: item.id } : {}),
      tax_amounts: [],
      tax_rates: [],
      type: sub ? 'subscription' : 'invoiceitem',
      unit_amount_excluding_tax: String(line.price.unit_amount ?? 0),
    };
  });
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  return {
    id,
    object: 'invoice',
    account_country: input.accountCountry,
    account_name: null,
    account_tax_ids: null,
    amount_due: total,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    application_fee_amount: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: input.billingReason,
    charge: null,
    collection_method: 'charge_automatically',
    created,
    currency: input.lines[0]?.price.currency ?? 'usd',
    custom_fields: null,
    customer: input.customer,
    customer_address: null,
    customer_email: input.customerEmail,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discount: null,
    discounts: [],
    due_date: null,
    effective_at: created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, total_count: lines.length, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: `${id.slice(3, 11).toUpperCase()}-0001`,
    on_behalf_of: null,
    paid: false,
    paid_out_of_band: false,
    payment_intent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: periodEndAt,
    period_start: periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    quote: null,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'open',
    status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: sub?.id ?? null,
    subscription_details: { metadata: sub ? clone(sub.metadata) : null },
    subtotal: total,
    subtotal_excluding_tax: total,
    tax: null,
    test_clock: null,
    total,
    total_discount_amounts: [],
    total_excluding_tax: total,
    total_tax_amounts: [],
    transfer_data: null,
    webhooks_delivered_at: created,
  };
}
