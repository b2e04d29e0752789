import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };

function expectErrorShape(body: unknown, code?: string): void {
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  if (code) expect((body as { error: { code: string } }).error.code).toBe(code);
}

async function rowCount(): Promise<number> {
  const { rows } = await t.db.pool.query(
    `SELECT (SELECT count(*) FROM np_stripe_accounts) + (SELECT count(*) FROM np_stripe_entitlements)
          + (SELECT count(*) FROM np_stripe_processed_events) AS n`,
  );
  return Number(rows[0].n);
}

describe('the error shape for bad input', () => {
  it.each(['/onboard', '/checkout', '/portal'])('%s: malformed JSON is a 400, not a 500', async (url) => {
    const res = await t.app.inject({ method: 'POST', url, headers: JSON_AUTH, payload: '{"entity_id": ' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json());
  });

  it.each([
    ['/onboard', { entity_id: 42 }],
    ['/onboard', { entity_id: 'e1', mode: 'telepathy' }],
    ['/onboard', {}],
    ['/checkout', { entity_id: 'e1', price_id: 'price_1', capabilities: 'video', success_url: 'x', cancel_url: 'y' }],
    ['/checkout', { entity_id: 'e1', price_id: 'price_1', capabilities: [], success_url: 'https://a.example', cancel_url: 'https://a.example' }],
    ['/checkout', { entity_id: ['e1'], price_id: 1 }],
    ['/portal', { entity_id: 'e1', return_url: 'javascript:alert(1)' }],
  ])('%s with %j is a 400 validation_error', async (url, payload) => {
    const res = await t.app.inject({ method: 'POST', url, headers: JSON_AUTH, payload });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json(), 'validation_error');
  });

  it('answers a 2 MiB body with 413 in the error shape and writes nothing', async () => {
    const before = await rowCount();
    const huge = JSON.stringify({ entity_id: 'e1', email: 'x'.repeat(2 * 1024 * 1024) });
    const res = await t.app.inject({ method: 'POST', url: '/onboard', headers: JSON_AUTH, payload: huge });
    expect(res.statusCode).toBe(413);
    expectErrorShape(res.json());
    expect(await rowCount()).toBe(before);
  });

  it('refuses a body of the wrong content type with a 4xx in the error shape', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/onboard', headers: { ...AUTH, 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(res.statusCode).toBe(415);
    expectErrorShape(res.json());
  });

  it('never puts internals into an error body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/onboard', headers: JSON_AUTH, payload: '{"a":' });
    expect(res.body).not.toMatch(/at .*\.ts|node_modules|stack/);
  });
});
