import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor, formatChecks } from '../src/doctor.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';
import { TEST_ENV } from './helpers/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let sim: Simulator;
let db: TestDatabase;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY], clientId: TEST_ENV.STRIPE_CLIENT_ID });
  db = await createTestDatabase();
});
afterAll(async () => {
  await sim.close();
  await db.drop();
});

describe('doctor', () => {
  it('passes every check on a good setup', async () => {
    const checks = await runDoctor({ ...TEST_ENV, DATABASE_URL: db.url, STRIPE_API_BASE: sim.url });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['stripe key mode', 'webhook secrets', 'token encryption', 'database', 'migrations', 'stripe api']),
    );
  });

  it('names each problem with a fix hint, and no secret', async () => {
    await db.pool.query('DELETE FROM np_stripe_schema_migrations WHERE version = 1');
    const checks = await runDoctor({
      ...TEST_ENV,
      DATABASE_URL: db.url,
      STRIPE_API_BASE: 'http://127.0.0.1:1',
      NSELF_DB_ENCRYPTION_KEY: undefined,
    });
    const failed = Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c]));
    // Without a key, test mode stores tokens unencrypted: a warning in detail, not a failure.
    expect(Object.keys(failed).sort()).toEqual(['migrations', 'stripe api']);
    expect(checks.find((c) => c.name === 'token encryption')?.detail).toMatch(/unencrypted/);
    expect(failed.migrations?.hint).toMatch(/npm run migrate/);
    const text = formatChecks(checks);
    expect(text).toMatch(/FAIL stripe api/);
    expect(text).not.toContain(TEST_ENV.STRIPE_PLATFORM_SECRET_KEY);
  });

  it('reports configuration problems instead of throwing', async () => {
    const checks = await runDoctor({ ...TEST_ENV, STRIPE_CLIENT_ID: 'nope' });
    expect(checks).toEqual([{ name: 'configuration', ok: false, detail: 'STRIPE_CLIENT_ID must start with ca_', hint: 'see .env.example' }]);
  });
});
