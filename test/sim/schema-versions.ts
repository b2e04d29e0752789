import type { Schema } from '../../src/sim/spec/load.js';

/**
 * How each supported API version's objects differ from the acacia schemas (the 2024-04-10 spec
 * plus src/sim/spec/acacia-additions.ts), written from Stripe's changelog independently of the
 * simulator's own transforms (src/sim/shapes.ts), so that one checks the other.
 */
export interface VersionDelta {
  /** components.schemas name. */
  schema: string;
  remove?: string[];
  add?: Record<string, Schema>;
  /** Added properties every object of that version has. */
  require?: string[];
  source: string;
}

const id: Schema = { type: 'string', maxLength: 5000 };
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });

const PERIODS = 'https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end';
const PARENT = 'https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects';
const PAYMENTS = 'https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices';
const PRICING = 'https://docs.stripe.com/changelog/basil/2025-03-31/invoice-pricing-configurations';
const SDK18 = 'stripe-node v18.0.0 release notes (the 2025-03-31.basil SDK): tax_amounts, amount_excluding_tax and unit_amount_excluding_tax removed from InvoiceLineItem';

const prorationDetails: Schema = nullable({ type: 'object', properties: { credited_items: nullable({ type: 'object', properties: { invoice: id, invoice_line_items: { type: 'array', items: id } } }) } });

export const BASIL_DELTAS: VersionDelta[] = [
  { schema: 'subscription', remove: ['current_period_start', 'current_period_end'], source: PERIODS },
  {
    schema: 'subscription_item',
    add: { current_period_start: { type: 'integer' }, current_period_end: { type: 'integer' } },
    require: ['current_period_start', 'current_period_end'],
    source: PERIODS,
  },
  {
    schema: 'invoice',
    remove: ['quote', 'subscription', 'subscription_details', 'subscription_proration_date'],
    add: {
      parent: nullable({
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['quote_details', 'subscription_details'] },
          quote_details: nullable({ type: 'object', properties: { quote: id } }),
          subscription_details: nullable({
            type: 'object',
            properties: { metadata: nullable({ type: 'object', additionalProperties: { type: 'string' } }), subscription: id, subscription_proration_date: { type: 'integer' } },
            required: ['subscription'],
          }),
        },
        required: ['type'],
      }),
    },
    require: ['parent'],
    source: PARENT,
  },
  { schema: 'invoice', remove: ['payment_intent', 'charge', 'paid', 'paid_out_of_band', 'application_fee_amount', 'transfer_data'], source: PAYMENTS },
  {
    schema: 'line_item',
    remove: ['type', 'subscription', 'subscription_item', 'invoice_item', 'proration', 'proration_details'],
    add: {
      parent: nullable({
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['invoice_item_details', 'subscription_item_details'] },
          invoice_item_details: nullable({ type: 'object', properties: { invoice_item: id, proration: { type: 'boolean' }, proration_details: prorationDetails, subscription: nullable(id) } }),
          subscription_item_details: nullable({
            type: 'object',
            properties: { invoice_item: nullable(id), proration: { type: 'boolean' }, proration_details: prorationDetails, subscription: id, subscription_item: id },
          }),
        },
        required: ['type'],
      }),
    },
    require: ['parent'],
    source: PARENT,
  },
  {
    schema: 'line_item',
    remove: ['price', 'plan'],
    add: {
      pricing: nullable({
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['price_details'] },
          price_details: { type: 'object', properties: { price: id, product: id } },
          unit_amount_decimal: nullable({ type: 'string', format: 'decimal' }),
        },
        required: ['type'],
      }),
    },
    source: PRICING,
  },
  { schema: 'line_item', remove: ['tax_amounts', 'amount_excluding_tax', 'unit_amount_excluding_tax'], source: SDK18 },
  { schema: 'payment_intent', remove: ['invoice'], source: PAYMENTS },
  { schema: 'charge', remove: ['invoice'], source: PAYMENTS },
];
