import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let db: TestDatabase;
let proxy: TcpProxy;
let t: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const pool = createPool(viaProxy.toString(), 4);
  t = await buildTestApp({ db: { ...db, pool } });
});
afterAll(async () => {
  await t.close();
  await t.db.pool.end();
  await proxy.close();
  await db.drop();
});

describe('/ready', () => {
  it('turns 503 when the database goes away and back to 200 when it returns', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    await proxy.cut();
    const down = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ ready: false, database: 'unreachable', error: { code: 'not_ready' } });
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await proxy.restore();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await t.app.inject({ method: 'GET', url: '/ready' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });

  it('turns 503 when migrations are behind', async () => {
    await db.pool.query(`DELETE FROM np_stripe_schema_migrations WHERE version = (SELECT max(version) FROM np_stripe_schema_migrations)`);
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, database: 'ok', migrations: 'behind', pending_migrations: 1 });
  });
});
