import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';
import { TENANT, deliver, makeEvent, seedAccount, uniqueId } from '../webhooks/helpers.js';

const headers = { ...AUTH, 'x-tenant-id': TENANT };
let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t?.close();
});

function accountUpdated(accountId: string, created: number, deadline: number | null) {
  return makeEvent({
    type: 'account.updated',
    account: accountId,
    created,
    object: {
      id: accountId,
      object: 'account',
      details_submitted: true,
      charges_enabled: true,
      payouts_enabled: false,
      requirements: { currently_due: ['external_account'], past_due: [], disabled_reason: null, current_deadline: deadline },
      metadata: {},
    },
  });
}

describe('the deadline of what an operator owes Stripe', () => {
  it('is kept from account.updated, shown by GET /account and GET /accounts, and cleared when Stripe clears it', async () => {
    const entityId = uniqueId('op');
    const accountId = uniqueId('acct');
    await seedAccount(t.db.pool, { accountId, entityId });
    const now = Math.floor(Date.now() / 1000);
    const deadline = now + 7 * 86400;
    expect((await deliver(t.app, accountUpdated(accountId, now - 10, deadline))).status).toBe(200);
    const shown = await t.app.inject({ method: 'GET', url: `/account/${entityId}`, headers });
    expect(shown.json()).toMatchObject({ requirements_due: ['external_account'], requirements_deadline: new Date(deadline * 1000).toISOString() });
    const listed = await t.app.inject({ method: 'GET', url: `/accounts?entity_id=${entityId}`, headers });
    expect(listed.json<{ data: Array<{ requirements_deadline: string | null }> }>().data[0]!.requirements_deadline).toBe(new Date(deadline * 1000).toISOString());

    expect((await deliver(t.app, accountUpdated(accountId, now - 5, null))).status).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/account/${entityId}`, headers })).json()).toMatchObject({ requirements_deadline: null });
  });
});
