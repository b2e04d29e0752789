import { newId, now } from '../ids.js';
import type { JsonObject, StripeObject } from '../json.js';

export interface PortalConfiguration extends StripeObject {
  object: 'billing_portal.configuration';
  active: boolean;
  is_default: boolean;
  features: PortalFeatures;
}

export interface PortalFeatures extends JsonObject {
  customer_update: { allowed_updates: string[]; enabled: boolean };
  invoice_history: { enabled: boolean };
  payment_method_update: { enabled: boolean };
  subscription_cancel: {
    cancellation_reason: { enabled: boolean; options: string[] };
    enabled: boolean;
    mode: string;
    proration_behavior: string;
  };
  subscription_update: {
    default_allowed_updates: string[];
    enabled: boolean;
    products?: JsonObject[];
    proration_behavior: string;
    schedule_at_period_end: { conditions: JsonObject[] };
  };
}

export interface PortalConfigurationInput {
  businessProfile: { headline: string | null; privacy_policy_url: string | null; terms_of_service_url: string | null };
  features: PortalFeatures;
  defaultReturnUrl: string | null;
  loginPage: boolean;
  metadata: JsonObject;
  isDefault: boolean;
}

/** A feature left out of the create request is off, as in Stripe's answer (fixtures3.json). */
export function defaultPortalFeatures(): PortalFeatures {
  return {
    customer_update: { allowed_updates: [], enabled: false },
    invoice_history: { enabled: false },
    payment_method_update: { enabled: false },
    subscription_cancel: { cancellation_reason: { enabled: false, options: [] }, enabled: false, mode: 'at_period_end', proration_behavior: 'none' },
    subscription_update: { default_allowed_updates: [], enabled: false, proration_behavior: 'none', schedule_at_period_end: { conditions: [] } },
  };
}

export function buildPortalConfiguration(input: PortalConfigurationInput): PortalConfiguration {
  const at = now();
  return {
    id: newId('bpc', 24),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: input.businessProfile,
    created: at,
    default_return_url: input.defaultReturnUrl,
    features: input.features,
    is_default: input.isDefault,
    livemode: false,
    login_page: { enabled: input.loginPage, url: null },
    metadata: input.metadata,
    updated: at,
  };
}

export function buildPortalSession(customer: string, configuration: string, returnUrl: string | null, url: string): StripeObject {
  return {
    id: newId('bps', 24),
    object: 'billing_portal.session',
    configuration,
    created: now(),
    customer,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: returnUrl,
    url,
  };
}
