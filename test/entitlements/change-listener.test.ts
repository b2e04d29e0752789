import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { EntitlementChangeListener } from '../../src/entitlements/change-listener.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

async function listening(): Promise<{ listener: EntitlementChangeListener; pool: ReturnType<typeof createPool>; logs: string[]; statuses: boolean[] }> {
  const pool = createPool(db.url, 2);
  const logs: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(line) });
  const statuses: boolean[] = [];
  const listener = new EntitlementChangeListener(pool, { onChange: () => undefined, onUnknownChange: () => undefined, onStatus: (s) => statuses.push(s) }, logger);
  await listener.start();
  return { listener, pool, logs, statuses };
}

// What a database going away looks like to the listener's connection.
const dropListenerConnections = () =>
  db.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);

const until = async (done: () => boolean, ms = 5_000) => {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
};

describe('the entitlement change listener', () => {
  it('losing its connection while the app is up: warns, distrusts the cache and reconnects', async () => {
    const { listener, pool, logs, statuses } = await listening();
    try {
      await dropListenerConnections();
      await until(() => statuses.length >= 3);
      expect(statuses).toEqual([true, false, true]);
      expect(logs.join('')).toContain('lost its connection');
    } finally {
      await listener.close();
      await pool.end();
    }
  });

  it('losing it after the app pool ended (a deliberate stop, the database going next): no warning, no reconnect', async () => {
    const { listener, pool, logs, statuses } = await listening();
    await pool.end();
    await dropListenerConnections();
    await until(() => statuses.length >= 2);
    await new Promise((r) => setTimeout(r, 600)); // longer than the first reconnect delay
    expect(statuses).toEqual([true, false]);
    expect(logs).toEqual([]);
    await listener.close();
  });
});
