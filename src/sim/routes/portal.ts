import type { ApiContext, ApiDeps } from '../api.js';
import { route } from '../api.js';
import { invalidRequest, noSuch } from '../errors.js';
import type { FormObject } from '../form.js';
import { randomChars } from '../ids.js';
import type { JsonObject } from '../json.js';
import { isKind } from '../objects/guards.js';
import { buildPortalConfiguration, buildPortalSession, defaultPortalFeatures, type PortalConfiguration, type PortalFeatures } from '../objects/portal.js';
import { applyMetadata, optArr, optBool, optObj, optStr, reqStr, strings } from '../params.js';
import { listOf, mustGet } from './common.js';

// Stripe's answer to a portal session on an account whose portal settings were never saved
// (in the Dashboard, or as a configuration passed by id). The simulator only runs in test mode.
export const NO_PORTAL_SETTINGS =
  'You can’t create a portal session in test mode until you save your customer portal settings in test mode at https://dashboard.stripe.com/test/settings/billing/portal.';

/** `x=` unsets a nullable field: null. */
function nullableStr(p: FormObject, name: string): string | null {
  const v = optStr(p, name);
  return v === undefined || v === '' ? null : v;
}

function list(p: FormObject, name: string): string[] {
  return strings(optArr(p, name));
}

/** The requested features over Stripe's defaults (what is left out is off). */
function featuresOf(p: FormObject): PortalFeatures {
  const features = defaultPortalFeatures();
  const customerUpdate = optObj(p, 'customer_update');
  if (customerUpdate) features.customer_update = { allowed_updates: list(customerUpdate, 'allowed_updates'), enabled: optBool(customerUpdate, 'enabled') ?? false };
  const invoices = optObj(p, 'invoice_history');
  if (invoices) features.invoice_history = { enabled: optBool(invoices, 'enabled') ?? false };
  const paymentMethod = optObj(p, 'payment_method_update');
  if (paymentMethod) features.payment_method_update = { enabled: optBool(paymentMethod, 'enabled') ?? false };
  const cancel = optObj(p, 'subscription_cancel');
  if (cancel) {
    const current = features.subscription_cancel;
    const reason = optObj(cancel, 'cancellation_reason');
    features.subscription_cancel = {
      cancellation_reason: reason ? { enabled: optBool(reason, 'enabled') ?? false, options: list(reason, 'options') } : current.cancellation_reason,
      enabled: optBool(cancel, 'enabled') ?? false,
      mode: optStr(cancel, 'mode') ?? current.mode,
      proration_behavior: optStr(cancel, 'proration_behavior') ?? current.proration_behavior,
    };
  }
  const update = optObj(p, 'subscription_update');
  if (update) {
    const products = (optArr(update, 'products') ?? []).flatMap((item): JsonObject[] =>
      typeof item === 'object' && !Array.isArray(item) ? [{ prices: list(item, 'prices'), product: optStr(item, 'product') ?? '' }] : [],
    );
    features.subscription_update = {
      ...features.subscription_update,
      default_allowed_updates: list(update, 'default_allowed_updates'),
      enabled: optBool(update, 'enabled') ?? false,
      ...(products.length > 0 ? { products } : {}),
      proration_behavior: optStr(update, 'proration_behavior') ?? 'none',
    };
  }
  return features;
}

function createConfiguration(ctx: ApiContext): PortalConfiguration {
  const profile = optObj(ctx.params, 'business_profile') ?? {};
  const configuration = buildPortalConfiguration({
    businessProfile: {
      headline: nullableStr(profile, 'headline'),
      privacy_policy_url: nullableStr(profile, 'privacy_policy_url'),
      terms_of_service_url: nullableStr(profile, 'terms_of_service_url'),
    },
    features: featuresOf(optObj(ctx.params, 'features') ?? {}),
    defaultReturnUrl: nullableStr(ctx.params, 'default_return_url'),
    loginPage: optBool(optObj(ctx.params, 'login_page') ?? {}, 'enabled') ?? false,
    metadata: applyMetadata({}, ctx.params),
    // Only the settings saved in the Dashboard are the default; API-made ones never are.
    isDefault: false,
  });
  return ctx.sim.state.put(configuration, ctx.account);
}

/** The configuration a session uses: the one named, else the account's default, else Stripe's refusal. */
function sessionConfiguration(ctx: ApiContext): PortalConfiguration {
  const id = optStr(ctx.params, 'configuration');
  if (id !== undefined) {
    const named = ctx.sim.state.get(id, ctx.account, 'billing_portal.configuration');
    if (!isKind(named, 'billing_portal.configuration')) throw noSuch('configuration', id, 'configuration', 400);
    return named;
  }
  const saved = ctx.sim.state.list('billing_portal.configuration', ctx.account, (c) => c.is_default === true && c.active === true)[0];
  if (!isKind(saved, 'billing_portal.configuration')) throw invalidRequest(NO_PORTAL_SETTINGS);
  return saved;
}

export function registerPortalRoutes(deps: ApiDeps): void {
  route(deps, 'POST', '/v1/billing_portal/configurations', createConfiguration);
  route(deps, 'GET', '/v1/billing_portal/configurations/:id', (ctx) => mustGet(ctx, ctx.path.id ?? '', 'billing_portal.configuration'));
  route(deps, 'GET', '/v1/billing_portal/configurations', (ctx) => {
    const active = optBool(ctx.params, 'active');
    const isDefault = optBool(ctx.params, 'is_default');
    const items = ctx.sim.state.list('billing_portal.configuration', ctx.account, (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault));
    return listOf(ctx, items, '/v1/billing_portal/configurations');
  });

  route(deps, 'POST', '/v1/billing_portal/sessions', (ctx) => {
    const customer = reqStr(ctx.params, 'customer');
    if (!isKind(ctx.sim.state.get(customer, ctx.account, 'customer'), 'customer')) throw noSuch('customer', customer, 'customer', 400);
    const configuration = sessionConfiguration(ctx);
    const returnUrl = optStr(ctx.params, 'return_url') ?? null;
    const token = `bps_sess_${randomChars(24)}`;
    const portal = buildPortalSession(customer, configuration.id, returnUrl, `${ctx.sim.config.publicUrl}/p/session/${token}`);
    ctx.sim.state.put(portal, ctx.account);
    ctx.sim.state.portalSessions.set(token, { token, sessionId: portal.id, customer, owner: ctx.account, returnUrl, configuration: configuration.id });
    return portal;
  });
}
