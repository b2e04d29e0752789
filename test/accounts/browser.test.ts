import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { CHROMIUM, hasChromium, launchChromium } from '../helpers/browser.js';
import { startListeningHarness, type Harness } from './helpers.js';

if (!hasChromium) console.warn(`browser onboarding tests skipped: ${CHROMIUM} is not installed`);

let h: Harness;
let browser: Browser;
let base: string;
let n = 0;
const entity = (): string => `browser-operator-${Date.now().toString(36)}-${n++}`;

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function fresh(): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

describe.skipIf(!hasChromium)('onboarding in a real browser (headless Chromium)', () => {
  beforeAll(async () => {
    ({ h, base } = await startListeningHarness());
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('Account Link: /onboard → hosted onboarding → callback → GET /account shows active', async () => {
    const id = entity();
    const started = await api<{ url: string; account_id: string }>('POST', '/onboard', { entity_id: id, return_url: `${base}/health` });
    expect(started.status).toBe(200);
    const page = await fresh();
    await page.goto(started.body.url);
    await expect(page.locator('#account-id').textContent()).resolves.toBe(started.body.account_id);
    await Promise.all([page.waitForURL(`${base}/health?status=active`), page.click('#complete-onboarding')]);
    const account = await api<Record<string, unknown>>('GET', `/account/${id}`);
    expect(account.body).toMatchObject({ status: 'active', connected_via: 'account_link', charges_enabled: true, account_id: started.body.account_id });
  });

  it('OAuth approve: consent page → callback → account active, connected by OAuth, tokens encrypted', async () => {
    const id = entity();
    const started = await api<{ url: string }>('POST', '/onboard', { entity_id: id, mode: 'oauth', email: 'browser@example.com', return_url: `${base}/health` });
    const page = await fresh();
    await page.goto(started.body.url);
    await expect(page.locator('#email').textContent()).resolves.toBe('browser@example.com');
    await Promise.all([page.waitForURL(`${base}/health?status=active`), page.click('#approve')]);
    const account = await api<Record<string, unknown>>('GET', `/account/${id}`);
    expect(account.body).toMatchObject({ status: 'active', connected_via: 'oauth' });
    const { rows } = await h.t.db.pool.query(
      `SELECT tokens_encrypted, pgp_sym_decrypt(access_token, $2) AS access FROM np_stripe_accounts WHERE entity_id = $1`,
      [id, TEST_ENV.NSELF_DB_ENCRYPTION_KEY],
    );
    expect(rows[0].tokens_encrypted).toBe(true);
    expect(h.sim.state.accessTokens.get(rows[0].access)).toBe(account.body.account_id);
  });

  it('OAuth deny: back to return_url with error=access_denied, nothing stored', async () => {
    const id = entity();
    const started = await api<{ url: string }>('POST', '/onboard', { entity_id: id, mode: 'oauth', return_url: `${base}/health` });
    const page = await fresh();
    await page.goto(started.body.url);
    await Promise.all([page.waitForURL(`${base}/health?error=access_denied`), page.click('#deny')]);
    expect((await api('GET', `/account/${id}`)).status).toBe(404);
  });
});
