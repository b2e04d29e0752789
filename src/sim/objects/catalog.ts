import { newId, now, randomChars } from '../ids.js';
import type { JsonObject, StripeObject } from '../json.js';

export interface Price extends StripeObject {
  object: 'price';
  product: string;
  currency: string;
  unit_amount: number | null;
  recurring: JsonObject | null;
  type: 'one_time' | 'recurring';
  active: boolean;
  lookup_key: string | null;
  metadata: JsonObject;
}

export interface Product extends StripeObject {
  object: 'product';
  name: string;
  active: boolean;
  default_price: string | null;
  metadata: JsonObject;
}

export interface Customer extends StripeObject {
  object: 'customer';
  email: string | null;
  name: string | null;
  metadata: JsonObject;
}

export interface ProductInput {
  name: string;
  description: string | null;
  active: boolean;
  metadata: JsonObject;
}

export function buildProduct(input: ProductInput): Product {
  const created = now();
  return {
    id: newId('prod', 14),
    object: 'product',
    active: input.active,
    created,
    default_price: null,
    description: input.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: input.metadata,
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: created,
    url: null,
  };
}

export interface PriceInput {
  product: string;
  currency: string;
  unitAmount: number;
  interval: string | null;
  intervalCount: number;
  lookupKey: string | null;
  nickname: string | null;
  active: boolean;
  metadata: JsonObject;
}

export function buildPrice(input: PriceInput): Price {
  return {
    id: newId('price', 24),
    object: 'price',
    active: input.active,
    billing_scheme: 'per_unit',
    created: now(),
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: input.lookupKey,
    metadata: input.metadata,
    nickname: input.nickname,
    product: input.product,
    recurring:
      input.interval === null
        ? null
        : {
            aggregate_usage: null,
            interval: input.interval,
            interval_count: input.intervalCount,
            meter: null,
            trial_period_days: null,
            usage_type: 'licensed',
          },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: input.interval === null ? 'one_time' : 'recurring',
    unit_amount: input.unitAmount,
    unit_amount_decimal: String(input.unitAmount),
  };
}

/** The legacy `plan` view of a recurring price, still embedded in subscription items under acacia. */
export function planOf(price: Price): JsonObject | null {
  const recurring = price.recurring;
  if (recurring === null) return null;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    aggregate_usage: null,
    amount: price.unit_amount,
    amount_decimal: String(price.unit_amount ?? 0),
    billing_scheme: 'per_unit',
    created: price.created ?? now(),
    currency: price.currency,
    interval: recurring.interval ?? 'month',
    interval_count: recurring.interval_count ?? 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export interface CustomerInput {
  email: string | null;
  name: string | null;
  description: string | null;
  metadata: JsonObject;
}

export function buildCustomer(input: CustomerInput): Customer {
  return {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description,
    discount: null,
    email: input.email,
    invoice_prefix: randomChars(7).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: input.metadata,
    name: input.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}
