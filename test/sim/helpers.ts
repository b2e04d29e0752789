import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { z } from 'zod';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';
import { sdkApiVersion } from '../../src/stripe/client.js';

export const SECRET_KEY = 'sk_test_simulator0000000000000000000000000001';
export const OTHER_KEY = 'sk_test_simulator0000000000000000000000000002';
export const PLATFORM_SECRET = 'whsec_platform_test_secret_0000000000000001';
export const CONNECT_SECRET = 'whsec_connect_test_secret_00000000000000001';
export const CLIENT_ID = 'ca_SimTestClient000000000000000001';
export const API_VERSION = '2024-12-18.acacia';

/**
 * Acacia fields the SDK's types (those of its own, later API version) no longer name: read
 * with a check rather than a cast.
 */
export const acaciaSubscription = z.object({ current_period_start: z.number(), current_period_end: z.number() });
export const acaciaInvoice = z.object({ paid: z.boolean(), payment_intent: z.string().nullable(), charge: z.string().nullable() });

export async function startTestSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({
    port: 0,
    secretKeys: [SECRET_KEY, OTHER_KEY],
    platformWebhookSecret: PLATFORM_SECRET,
    connectWebhookSecret: `${CONNECT_SECRET},whsec_old_rolled_secret`,
    clientId: CLIENT_ID,
    retrySchedulesMs: [50, 100, 200],
    ...opts,
  });
}

export interface SimulatorHarness {
  sim: Simulator;
  stripe: Stripe;
  receiver: WebhookReceiver;
}

/**
 * A simulator for this test file, delivering both channels to a WebhookReceiver of its own:
 * started before the file's tests (then handed to `use`), closed after them, the receiver
 * emptied before each test.
 */
export function simulatorWithReceiver(use: (h: SimulatorHarness) => void): void {
  let h: SimulatorHarness | undefined;
  beforeAll(async () => {
    const receiver = await new WebhookReceiver().start();
    const sim = await startTestSimulator({ platformWebhookUrl: `${receiver.url}/platform`, connectWebhookUrl: `${receiver.url}/connect` });
    h = { sim, stripe: stripeFor(sim), receiver };
    use(h);
  });
  afterAll(async () => {
    await h?.sim.close();
    await h?.receiver.close();
  });
  beforeEach(() => {
    if (h) h.receiver.received.length = 0;
  });
}

/** The real SDK pointed at the simulator, as the service configures it. */
export function stripeFor(sim: Simulator, key = SECRET_KEY, extra: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: sim.port,
    protocol: 'http',
    apiVersion: sdkApiVersion(API_VERSION),
    maxNetworkRetries: 0,
    ...extra,
  });
}

export interface ReceivedDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A tiny webhook endpoint: records every delivery; `respond` decides the status code. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  respond: (delivery: ReceivedDelivery) => number = () => 200;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const delivery = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(delivery);
        res.statusCode = this.respond(delivery);
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  events(path?: string): Stripe.Event[] {
    return this.received.filter((d) => path === undefined || d.path === path).map((d) => JSON.parse(d.body) as Stripe.Event);
  }

  /** The deliveries to `path`, each verified against its signature as the service would. */
  verifiedEvents(stripe: Stripe, path: string, secret: string): Stripe.Event[] {
    return this.received
      .filter((d) => d.path === path)
      .map((d) => stripe.webhooks.constructEvent(d.body, String(d.headers['stripe-signature']), secret));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function control<T = Record<string, unknown>>(sim: Simulator, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** An Express account that finished onboarding (through the control API). */
export async function onboardedAccount(sim: Simulator, stripe: Stripe, email = 'seller@example.com'): Promise<Stripe.Account> {
  const account = await stripe.accounts.create({ type: 'express', email });
  await control(sim, 'POST', `/_sim/accounts/${account.id}/complete_onboarding`);
  return stripe.accounts.retrieve(account.id);
}

export async function recurringPrice(stripe: Stripe, account: string | undefined, unitAmount = 2000): Promise<Stripe.Price> {
  const params: Stripe.PriceCreateParams = { currency: 'usd', unit_amount: unitAmount, recurring: { interval: 'month' }, product_data: { name: 'Pro' } };
  return account === undefined ? stripe.prices.create(params) : stripe.prices.create(params, { stripeAccount: account });
}
