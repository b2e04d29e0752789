import { randomChars } from '../ids.js';
import type { Charge, PaymentIntent } from './payments.js';

/**
 * A US bank account debit (ACH), the simulator's delayed-notification payment method: the
 * intent is `processing` and its charge `pending` until the bank settles, days later at
 * Stripe, on command here. https://docs.stripe.com/payments/ach-direct-debit
 */
export function asPendingBankDebit(intent: PaymentIntent, charge: Charge): void {
  intent.status = 'processing';
  intent.amount_received = 0;
  intent.payment_method_types = ['us_bank_account'];
  intent.payment_method_options = { us_bank_account: { verification_method: 'automatic' } };
  charge.status = 'pending';
  charge.paid = false;
  charge.outcome = { network_status: 'approved_by_network', reason: null, risk_level: 'not_assessed', seller_message: 'Payment pending.', type: 'authorized' };
  charge.payment_method_details = {
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: 'individual',
      account_type: 'checking',
      bank_name: 'STRIPE TEST BANK',
      fingerprint: randomChars(16),
      last4: '6789',
      mandate: `mandate_1${randomChars(23)}`,
      payment_reference: null,
      routing_number: '110000000',
    },
  };
}

export type Settlement = 'succeeded' | 'failed';

/** The bank's answer: the money arrived, or the debit was returned (insufficient funds). */
export function settleBankDebit(intent: PaymentIntent, charge: Charge, outcome: Settlement): void {
  if (outcome === 'succeeded') {
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    charge.status = 'succeeded';
    charge.paid = true;
    charge.outcome = { network_status: 'approved_by_network', reason: null, risk_level: 'not_assessed', seller_message: 'Payment complete.', type: 'authorized' };
    return;
  }
  const message = "The customer's account has insufficient funds to cover this payment.";
  intent.status = 'requires_payment_method';
  intent.last_payment_error = { code: 'insufficient_funds', message, payment_method_type: 'us_bank_account', type: 'invalid_request_error' };
  charge.status = 'failed';
  charge.failure_code = 'insufficient_funds';
  charge.failure_message = message;
  charge.outcome = { network_status: 'declined_by_network', reason: 'insufficient_funds', risk_level: 'not_assessed', seller_message: 'The bank returned this payment.', type: 'issuer_declined' };
}
