import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { AUTH, TEST_ENV } from '../helpers/config.js';
import { TENANT, decideOAuth, freePort, pathOf, startHarness, type Harness } from './helpers.js';

const KEY = TEST_ENV.NSELF_DB_ENCRYPTION_KEY;

/**
 * With `log_statement=all` PostgreSQL writes every statement and its bound parameters to its
 * log, so whatever the service sends as a parameter is on disk in clear. This server is the
 * test's own (the shared one's log is out of reach), started with exactly that setting.
 */
describe('OAuth onboarding against a PostgreSQL that logs every statement', () => {
  const dir = resolve(`.data/token-log-${randomBytes(4).toString('hex')}`);
  const serverLog: string[] = [];
  let embedded: EmbeddedDatabase | undefined;
  let pool: Pool | undefined;
  let h: Harness | undefined;

  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      onLog: (line) => serverLog.push(line),
      postgresFlags: ['-c', 'log_statement=all'],
    });
    const db = createPool(embedded.url);
    pool = db;
    await migrate(db);
    h = await startHarness({ db: { url: embedded.url, pool: db, drop: () => db.end() } });
  });

  afterAll(async () => {
    await h?.close();
    await pool?.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The server writes its log through a pipe: wait until the line we look for has arrived. */
  async function logWith(needle: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const text = serverLog.join('');
      if (text.includes(needle)) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
    return serverLog.join('');
  }

  it('the server log holds neither the encryption key nor the issued access and refresh tokens', async () => {
    const harness = h!;
    const entityId = `log-operator-${randomBytes(4).toString('hex')}`;
    const started = await harness.t.app.inject({
      method: 'POST',
      url: '/onboard',
      headers: { ...AUTH, 'x-tenant-id': TENANT },
      payload: { entity_id: entityId, mode: 'oauth' },
    });
    expect(started.statusCode).toBe(200);
    const back = await decideOAuth(started.json<{ url: string }>().url, 'approve');
    const done = await harness.t.app.inject({ method: 'GET', url: pathOf(back) });
    expect(done.statusCode).toBe(200);
    const accountId = done.json<{ account_id: string }>().account_id;

    const tokens = [...harness.sim.state.accessTokens, ...harness.sim.state.refreshTokens]
      .filter(([, acct]) => acct === accountId)
      .map(([token]) => token);
    expect(tokens).toHaveLength(2);

    const log = await logWith('INSERT INTO np_stripe_accounts');
    // Not vacuous: the statement that stores the tokens is in the log, with its parameters.
    expect(log).toContain('INSERT INTO np_stripe_accounts');
    expect(log).toMatch(/parameters:/i);
    expect(log).toContain(entityId);
    for (const secret of [KEY, ...tokens]) {
      expect(log.includes(secret), `server log leaks ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});
