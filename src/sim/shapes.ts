import { clone, isObject, type Json, type JsonObject, type StripeObject } from './json.js';
import type { Shape } from './versions.js';

/**
 * Objects are stored in acacia's shape; a request or a webhook endpoint on another version sees
 * them through these transforms, applied at the edge to a copy.
 */

/** Fields basil removed from invoices. https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects and …/add-support-for-multiple-partial-payments-on-invoices */
const BASIL_INVOICE_REMOVED = ['quote', 'subscription', 'subscription_details', 'subscription_proration_date', 'payment_intent', 'charge', 'paid', 'paid_out_of_band', 'application_fee_amount', 'transfer_data'];

/** …and from invoice line items (those two pages, and …/invoice-pricing-configurations). */
const BASIL_LINE_REMOVED = ['type', 'subscription', 'subscription_item', 'invoice_item', 'proration', 'proration_details', 'price', 'plan', 'tax_amounts', 'amount_excluding_tax', 'unit_amount_excluding_tax'];

function str(value: Json | undefined): string | null {
  return typeof value === 'string' ? value : isObject(value) && typeof value.id === 'string' ? value.id : null;
}

function itemsOf(sub: JsonObject): JsonObject[] {
  const items = sub.items;
  return isObject(items) && Array.isArray(items.data) ? items.data.filter(isObject) : [];
}

/** Basil: billing periods live on each subscription item, not on the subscription. https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end */
function basilSubscription(sub: JsonObject): void {
  for (const item of itemsOf(sub)) {
    item.current_period_start = sub.current_period_start ?? null;
    item.current_period_end = sub.current_period_end ?? null;
  }
  delete sub.current_period_start;
  delete sub.current_period_end;
}

/** Basil: an invoice says what generated it under `parent`. */
function basilInvoice(invoice: JsonObject): void {
  const subscription = str(invoice.subscription);
  const details = isObject(invoice.subscription_details) ? invoice.subscription_details : {};
  invoice.parent = subscription === null
    ? null
    : { type: 'subscription_details', quote_details: null, subscription_details: { metadata: details.metadata ?? null, subscription } };
  for (const key of BASIL_INVOICE_REMOVED) delete invoice[key];
}

function basilLineItem(line: JsonObject): void {
  const subscription = str(line.subscription);
  line.parent = subscription === null
    ? { type: 'invoice_item_details', invoice_item_details: { invoice_item: str(line.invoice_item), proration: line.proration === true, proration_details: line.proration_details ?? null, subscription: null }, subscription_item_details: null }
    : { type: 'subscription_item_details', invoice_item_details: null, subscription_item_details: { invoice_item: null, proration: line.proration === true, proration_details: line.proration_details ?? null, subscription, subscription_item: str(line.subscription_item) } };
  const price = isObject(line.price) ? line.price : null;
  line.pricing = price === null
    ? null
    : { type: 'price_details', price_details: { price: str(price.id) ?? '', product: str(price.product) ?? '' }, unit_amount_decimal: price.unit_amount_decimal ?? null };
  for (const key of BASIL_LINE_REMOVED) delete line[key];
}

const BASIL: Record<string, (obj: JsonObject) => void> = {
  subscription: basilSubscription,
  invoice: basilInvoice,
  line_item: basilLineItem,
  // Basil dropped the link from payments back to their invoice.
  payment_intent: (pi) => delete pi.invoice,
  charge: (ch) => delete ch.invoice,
};

function walk(value: Json, shape: Shape): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, shape);
    return;
  }
  if (!isObject(value)) return;
  if (shape === 'basil' && typeof value.object === 'string') BASIL[value.object]?.(value);
  for (const [key, child] of Object.entries(value)) {
    // An event's object keeps the version it was rendered in when the event was created.
    if (value.object === 'event' && key === 'data') continue;
    walk(child, shape);
  }
}

/** A copy of an API answer in the given shape. */
export function shapeAnswer<T extends Json>(value: T, shape: Shape): T {
  if (shape === 'acacia') return value;
  const copy = clone(value);
  walk(copy, shape);
  return copy;
}

/**
 * `previous_attributes` in a shape: fields the version no longer has are dropped, and for
 * basil a change of period shows as the items' previous periods, as Stripe's changelog says.
 */
function shapePrevious(previous: JsonObject, current: JsonObject, shape: Shape): JsonObject {
  const out = shapeAnswer(previous, shape);
  if (shape !== 'basil') return out;
  if (current.object === 'subscription' && ('current_period_start' in out || 'current_period_end' in out)) {
    if (out.items === undefined && isObject(current.items)) {
      const items = clone(current.items);
      for (const item of itemsOf({ items })) {
        if ('current_period_start' in out) item.current_period_start = out.current_period_start ?? null;
        if ('current_period_end' in out) item.current_period_end = out.current_period_end ?? null;
      }
      out.items = items;
    }
    delete out.current_period_start;
    delete out.current_period_end;
  }
  if (current.object === 'invoice') for (const key of BASIL_INVOICE_REMOVED) delete out[key];
  return out;
}

/** An event as an endpoint on `version` receives it: its object in that shape, `api_version` saying so. */
export function renderEvent(event: StripeObject, version: string, shape: Shape): StripeObject {
  const copy = clone(event);
  // account.application.deauthorized carries no version at all; keep it that way.
  if (copy.api_version !== null) copy.api_version = version;
  const data = copy.data;
  if (!isObject(data) || !isObject(data.object)) return copy;
  const current = data.object;
  if (isObject(data.previous_attributes)) data.previous_attributes = shapePrevious(data.previous_attributes, current, shape);
  data.object = shapeAnswer(current, shape);
  return copy;
}
