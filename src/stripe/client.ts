import Stripe from 'stripe';
import type { Config } from '../config.js';

export type StripeClient = Stripe;

/**
 * The SDK client. Stripe answers in the version we send, `STRIPE_API_VERSION` (2024-12-18.acacia
 * by default), not the one this stripe-node release is typed for (its `LatestApiVersion`): so the
 * version is passed explicitly, and nothing read back is trusted to have the SDK's types — every
 * object goes through our own schemas (src/stripe/objects/), which know each version's shape.
 *
 * With STRIPE_API_BASE, `host`/`port`/`protocol` send all traffic there. Since stripe-node 22
 * (https://github.com/stripe/stripe-node/pull/2643) a client-wide host also carries the OAuth
 * calls (`oauth.token`, `oauth.deauthorize`), which earlier releases always sent to
 * connect.stripe.com: they need no forwarding HTTP client any more.
 */
/**
 * Our API version as the SDK's config wants it. Its type names only the SDK's own pinned version,
 * yet Stripe accepts any real one (config.ts checks the form): this is the one place that says so.
 */
export function sdkApiVersion(version: string): Stripe.LatestApiVersion {
  return version as Stripe.LatestApiVersion;
}

export function createStripeClient(config: Config, opts: { timeoutMs?: number; maxNetworkRetries?: number } = {}): Stripe {
  const base = config.stripe.apiBase ? new URL(config.stripe.apiBase) : null;
  return new Stripe(config.stripe.secretKey, {
    apiVersion: sdkApiVersion(config.stripe.apiVersion),
    maxNetworkRetries: opts.maxNetworkRetries ?? 1,
    timeout: opts.timeoutMs ?? 15_000,
    telemetry: false,
    appInfo: { name: 'nself-stripe', version: '0.1.0' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** Where browsers go for Stripe-hosted OAuth pages: connect.stripe.com, or STRIPE_API_BASE. */
export function oauthAuthorizeBase(config: Config): string {
  return config.stripe.apiBase ?? 'https://connect.stripe.com';
}
