import { createServer } from 'node:net';
import type { Env } from '../../src/config.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { TEST_ENV } from '../helpers/config.js';
import type { TestDatabase } from '../helpers/db.js';

export const TENANT = '6b0f6a2e-3c1d-4e8f-9a7b-2d5c8e1f4a90';
export const OTHER_TENANT = '9e2d4c6b-8a1f-4b3e-a5d7-1c9f0e2b4d68';

export interface Harness {
  sim: Simulator;
  t: TestApp;
  close(): Promise<void>;
}

/** A free TCP port, so the app's public URL can be known before the app is built. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The simulator (our keys, our client id) and the real app pointed at it through STRIPE_API_BASE. */
export async function startHarness(opts: { env?: Env; db?: TestDatabase; cloudBaseUrl?: string; connectWebhookUrl?: string } = {}): Promise<Harness> {
  const sim = await startSimulator({
    port: 0,
    secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY],
    clientId: TEST_ENV.STRIPE_CLIENT_ID,
    platformWebhookSecret: TEST_ENV.STRIPE_PLATFORM_WEBHOOK_SECRET,
    connectWebhookSecret: TEST_ENV.STRIPE_CONNECT_WEBHOOK_SECRET,
    ...(opts.connectWebhookUrl ? { connectWebhookUrl: opts.connectWebhookUrl } : {}),
    retrySchedulesMs: [50],
  });
  const t = await buildTestApp({
    env: { STRIPE_API_BASE: sim.url, NSELF_CLOUD_BASE_URL: opts.cloudBaseUrl ?? 'http://nself.test', ...opts.env },
    ...(opts.db ? { db: opts.db } : {}),
  });
  return {
    sim,
    t,
    async close() {
      await t.close();
      await sim.close();
    },
  };
}

export interface SimRequest {
  method: string;
  path: string;
  [key: string]: unknown;
}

export async function simRequests(sim: Simulator, path: string, method = 'POST'): Promise<SimRequest[]> {
  const res = await fetch(`${sim.url}/_sim/requests?method=${method}&path=${encodeURIComponent(path)}`);
  const body = (await res.json()) as { data?: SimRequest[] } | SimRequest[];
  return Array.isArray(body) ? body : (body.data ?? []);
}

/** Follows a hosted page's form the way a browser would: GET the page, POST its form. */
export function stateOf(url: string): string {
  const state = new URL(url).searchParams.get('state');
  if (!state) throw new Error(`no state in ${url}`);
  return state;
}

/** The operator submits the hosted onboarding form; answers where Stripe sends the browser next. */
export async function submitOnboarding(linkUrl: string, button: 'submit' | 'refresh' = 'submit'): Promise<string> {
  const page = await fetch(linkUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`onboarding page answered ${page.status}`);
  const res = await fetch(`${linkUrl}/${button}`, { method: 'POST', redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`onboarding ${button} answered ${res.status}`);
  return location;
}

/** The operator approves or denies on the OAuth consent page; answers the redirect to our callback. */
export async function decideOAuth(authorizeUrl: string, decision: 'approve' | 'deny'): Promise<string> {
  const u = new URL(authorizeUrl);
  const form = new URLSearchParams({
    client_id: u.searchParams.get('client_id') ?? '',
    redirect_uri: u.searchParams.get('redirect_uri') ?? '',
    state: u.searchParams.get('state') ?? '',
    scope: u.searchParams.get('scope') ?? 'read_write',
    decision,
  });
  const email = u.searchParams.get('stripe_user[email]');
  if (email) form.set('email', email);
  const res = await fetch(`${u.origin}/oauth/authorize/decision`, { method: 'POST', body: form, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`oauth decision answered ${res.status}`);
  return location;
}

/** Path and query of a URL, for app.inject. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/**
 * The harness with the app listening on a real port that is also its public URL: Stripe's
 * hosted pages send the browser back there, and webhooks reach its Connect endpoint.
 */
export async function startListeningHarness(env: Env = {}): Promise<{ h: Harness; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = await startHarness({ cloudBaseUrl: base, connectWebhookUrl: `${base}/stripe/webhook/connect`, env });
  await h.t.app.listen({ port, host: '127.0.0.1' });
  return { h, base };
}
