import Stripe from 'stripe';
import type { Config } from '../config.js';

export type StripeClient = Stripe;

type RequestArgs = Parameters<Stripe.HttpClient['makeRequest']>;

/**
 * Sends every request to one base URL, whatever host the SDK chose. stripe-node sends
 * OAuth calls to connect.stripe.com regardless of the `host` option; this is the only
 * way to route those to a Stripe-compatible server too.
 */
class ForwardingHttpClient implements Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();
  private readonly protocol: Stripe.HttpProtocol;
  private readonly port: number;
  constructor(private readonly base: URL) {
    this.protocol = base.protocol === 'https:' ? 'https' : 'http';
    this.port = Number(base.port || (this.protocol === 'https' ? 443 : 80));
  }
  getClientName(): string {
    return 'node';
  }
  makeRequest(...args: RequestArgs): ReturnType<Stripe.HttpClient['makeRequest']> {
    const [, , path, method, headers, data, , timeout] = args;
    return this.inner.makeRequest(this.base.hostname, this.port, path, method, headers, data, this.protocol, timeout);
  }
}

export function createStripeClient(config: Config, opts: { timeoutMs?: number; maxNetworkRetries?: number } = {}): Stripe {
  const base = config.stripe.apiBase ? new URL(config.stripe.apiBase) : null;
  return new Stripe(config.stripe.secretKey, {
    apiVersion: config.stripe.apiVersion as Stripe.LatestApiVersion,
    maxNetworkRetries: opts.maxNetworkRetries ?? 1,
    timeout: opts.timeoutMs ?? 15_000,
    telemetry: false,
    appInfo: { name: 'nself-stripe', version: '0.1.0' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
          httpClient: new ForwardingHttpClient(base),
        }
      : {}),
  });
}

/** Where browsers go for Stripe-hosted OAuth pages: connect.stripe.com, or STRIPE_API_BASE. */
export function oauthAuthorizeBase(config: Config): string {
  return config.stripe.apiBase ?? 'https://connect.stripe.com';
}
