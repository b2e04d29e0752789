import { newId, now, randomChars } from '../ids.js';
import type { JsonObject, StripeObject } from '../json.js';

export interface PaymentIntent extends StripeObject {
  object: 'payment_intent';
  amount: number;
  currency: string;
  customer: string | null;
  invoice: string | null;
  latest_charge: string | null;
  metadata: JsonObject;
  status: string;
}

export interface Charge extends StripeObject {
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  payment_intent: string | null;
  refunded: boolean;
  disputed: boolean;
  metadata: JsonObject;
  refunds: JsonObject;
}

export interface PaymentInput {
  amount: number;
  currency: string;
  customer: string | null;
  invoice: string | null;
  description: string | null;
  metadata: JsonObject;
  applicationFeeAmount: number | null;
  receiptEmail: string | null;
}

/** A succeeded card payment: the payment intent and its charge, linked both ways. */
export function buildPayment(input: PaymentInput): { intent: PaymentIntent; charge: Charge } {
  const created = now();
  const piId = newId('pi', 24);
  const chId = newId('ch', 24);
  const paymentMethod = `pm_1${randomChars(23)}`;
  const intent: PaymentIntent = {
    id: piId,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: input.amount,
    application: null,
    application_fee_amount: input.applicationFeeAmount,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${piId}_secret_${randomChars(25)}`,
    confirmation_method: 'automatic',
    created,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    invoice: input.invoice,
    last_payment_error: null,
    latest_charge: chId,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
  const charge: Charge = {
    id: chId,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: input.applicationFeeAmount,
    balance_transaction: newId('txn', 24),
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: input.receiptEmail,
      name: null,
      phone: null,
    },
    calculated_statement_descriptor: 'NSELF SIM',
    captured: true,
    created,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    invoice: input.invoice,
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 32,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: piId,
    payment_method: paymentMethod,
    payment_method_details: {
      card: {
        amount_authorized: input.amount,
        brand: 'visa',
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: 'US',
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 3,
        extended_authorization: { status: 'disabled' },
        fingerprint: randomChars(16),
        funding: 'credit',
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: '4242',
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: 'visa',
        network_token: { used: false },
        overcapture: { maximum_amount_capturable: input.amount, status: 'unavailable' },
        three_d_secure: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: input.receiptEmail,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${chId}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
  return { intent, charge };
}

export function buildRefund(charge: Charge, amount: number, reason: string | null): StripeObject {
  return {
    id: newId('re', 24),
    object: 'refund',
    amount,
    balance_transaction: newId('txn', 24),
    charge: charge.id,
    created: now(),
    currency: charge.currency,
    destination_details: { card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    metadata: {},
    payment_intent: charge.payment_intent,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}

const EMPTY_EVIDENCE_KEYS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure',
  'cancellation_rebuttal', 'customer_communication', 'customer_email_address', 'customer_name',
  'customer_purchase_ip', 'customer_signature', 'duplicate_charge_documentation', 'duplicate_charge_explanation',
  'duplicate_charge_id', 'product_description', 'receipt', 'refund_policy', 'refund_policy_disclosure',
  'refund_refusal_explanation', 'service_date', 'service_documentation', 'shipping_address', 'shipping_carrier',
  'shipping_date', 'shipping_documentation', 'shipping_tracking_number', 'uncategorized_file', 'uncategorized_text',
];

export function buildDispute(charge: Charge, reason: string): StripeObject {
  const evidence: JsonObject = {};
  for (const key of EMPTY_EVIDENCE_KEYS) evidence[key] = null;
  evidence.enhanced_evidence = {};
  return {
    id: newId('dp', 24),
    object: 'dispute',
    amount: charge.amount - charge.amount_refunded,
    balance_transactions: [],
    charge: charge.id,
    created: now(),
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence,
    evidence_details: {
      due_by: now() + 14 * 86400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: { card: { brand: 'visa', case_type: 'chargeback', network_reason_code: '10.4' }, type: 'card' },
    reason,
    status: 'needs_response',
  };
}

export interface TransferInput {
  amount: number;
  currency: string;
  destination: string;
  description: string | null;
  metadata: JsonObject;
  transferGroup: string | null;
}

export function buildTransfer(input: TransferInput): StripeObject {
  const id = newId('tr', 24);
  return {
    id,
    object: 'transfer',
    amount: input.amount,
    amount_reversed: 0,
    balance_transaction: newId('txn', 24),
    created: now(),
    currency: input.currency,
    description: input.description,
    destination: input.destination,
    destination_payment: newId('py', 14),
    livemode: false,
    metadata: input.metadata,
    reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    reversed: false,
    source_transaction: null,
    source_type: 'card',
    transfer_group: input.transferGroup,
  };
}
