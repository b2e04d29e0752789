import type { PoolClient } from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockSubscriptionGrants } from '../../src/entitlements/grants.js';
import { batchElement, ingestIntent } from '../../src/webhooks/ingest-intent.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeEvent, seedAccount, subscriptionObject, TENANT, uniqueId } from '../webhooks/helpers.js';

// A new database has no statistics for the planner until autovacuum analyzes it, and plpgsql
// keeps the plans it made meanwhile. Finding a subscription's grants must not then walk the
// tenant's whole range of the (tenant, entity, capability, source) key, as it once did: ingest
// slowed down with every grant the tenant had.
const GRANTS = 5000;
const UNIQUE_KEY = 'np_stripe_entitlements_tenant_id_entity_id_capability_sourc_key';

let db: TestDatabase;
let account: string;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 2 });
  account = uniqueId('acct');
  await seedAccount(db.pool, { accountId: account });
  await db.pool.query('ALTER TABLE np_stripe_entitlements SET (autovacuum_enabled = false)');
  await db.pool.query(
    `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, stripe_account_id)
     SELECT $1, 'buyer-' || lpad(i::text, 5, '0'), 'pro', 'subscription', 'sub_seeded_' || i, 'active', true, $2
       FROM generate_series(1, $3) AS i`,
    [TENANT, account, GRANTS],
  );
});
afterAll(async () => {
  await db?.drop();
});

/**
 * Blocks of the unique key the work read, in a transaction of its own (rolled back). The count
 * also holds what this connection read earlier and has not reported yet: hence the difference.
 */
async function keyBlocksRead(work: (q: PoolClient) => Promise<unknown>): Promise<number> {
  const client = await db.pool.connect();
  const fetched = async () =>
    Number((await client.query<{ n: string }>(`SELECT pg_stat_get_xact_blocks_fetched($1::regclass) AS n`, [UNIQUE_KEY])).rows[0]!.n);
  try {
    await client.query('BEGIN');
    const before = await fetched();
    await work(client);
    return (await fetched()) - before;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

const newSubscriptionEvent = (): Stripe.Event =>
  makeEvent({
    type: 'customer.subscription.updated',
    account,
    object: subscriptionObject({ id: uniqueId('sub'), status: 'active', entityId: uniqueId('buyer'), capabilities: 'pro' }),
  });

describe('finding a subscription’s grants before the table has statistics', () => {
  it('has no statistics to go by', async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'np_stripe_entitlements'`);
    expect(rows[0]!.n).toBe(0);
  });

  it('the pipeline’s lock of the grants reads a few index blocks, not the tenant’s range', async () => {
    // More calls than plan caching needs to settle on a generic plan (five custom ones first).
    for (let i = 0; i < 8; i++) {
      const blocks = await keyBlocksRead((q) => lockSubscriptionGrants(q, TENANT, uniqueId('sub'), account));
      expect(blocks).toBeLessThan(8);
    }
  });

  it('the ingest function applies a new subscription reading a few index blocks, not the tenant’s range', async () => {
    for (let i = 0; i < 8; i++) {
      const event = newSubscriptionEvent();
      const element = batchElement(ingestIntent(event, 'connect'), event, JSON.stringify(event));
      const blocks = await keyBlocksRead((q) =>
        q.query(`SELECT outcomes FROM np_stripe_ingest_events($1::jsonb, false, $2::uuid)`, [`[${element}]`, TENANT]),
      );
      expect(blocks).toBeLessThan(8);
    }
  });
});
