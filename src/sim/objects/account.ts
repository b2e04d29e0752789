import { newId, now } from '../ids.js';
import type { JsonObject, StripeObject } from '../json.js';

export interface Account extends StripeObject {
  object: 'account';
  type: string;
  email: string | null;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  metadata: JsonObject;
  capabilities: JsonObject;
  requirements: JsonObject;
}

/** What a fresh US Express account still owes (Stripe's fixture list). */
const ONBOARDING_DUE = [
  'business_profile.mcc',
  'business_profile.url',
  'business_type',
  'external_account',
  'representative.first_name',
  'representative.last_name',
  'tos_acceptance.date',
  'tos_acceptance.ip',
];

function requirements(due: string[], disabledReason: string | null): JsonObject {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: [...due],
    disabled_reason: disabledReason,
    errors: [],
    eventually_due: [...due],
    past_due: [...due],
    pending_verification: [],
  };
}

function controllerFor(type: string): JsonObject {
  if (type === 'standard') return { is_controller: true, type: 'account' };
  return {
    fees: { payer: 'application' },
    is_controller: true,
    losses: { payments: 'application' },
    requirement_collection: type === 'custom' ? 'application' : 'stripe',
    stripe_dashboard: { type: type === 'custom' ? 'none' : 'express' },
    type: 'application',
  };
}

export interface AccountInput {
  type: string;
  email: string | null;
  country: string;
  metadata: JsonObject;
  capabilities: string[];
  businessType: string | null;
}

export function buildAccount(input: AccountInput): Account {
  const id = newId('acct', 17);
  const caps: JsonObject = {};
  for (const cap of input.capabilities) caps[cap] = 'inactive';
  return {
    id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      name: null,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: input.businessType,
    capabilities: caps,
    charges_enabled: false,
    controller: controllerFor(input.type),
    country: input.country,
    created: now(),
    default_currency: input.country === 'US' ? 'usd' : 'eur',
    details_submitted: false,
    email: input.email,
    external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
    future_requirements: requirements([], null),
    metadata: input.metadata,
    payouts_enabled: false,
    requirements: requirements(ONBOARDING_DUE, 'requirements.past_due'),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: null, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null },
      payments: {
        statement_descriptor: null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: input.type,
  };
}

/** The account after the person finished the hosted onboarding form. */
export function markOnboarded(account: Account): void {
  account.charges_enabled = true;
  account.payouts_enabled = true;
  account.details_submitted = true;
  account.requirements = requirements([], null);
  account.business_type = account.business_type ?? 'individual';
  const caps: JsonObject = {};
  for (const cap of Object.keys(account.capabilities)) caps[cap] = 'active';
  if (Object.keys(caps).length === 0) {
    caps.card_payments = 'active';
    caps.transfers = 'active';
  }
  account.capabilities = caps;
  account.tos_acceptance = { date: now(), ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (stripe-sim)' };
}
