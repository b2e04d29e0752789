import { Writable } from 'node:stream';
import type { Env } from '../../src/config.js';
import { buildApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { testConfig } from './config.js';

export interface TestApp {
  app: App;
  db: TestDatabase;
  /** Every log line the app wrote, as raw JSON text (for secret-leak checks). */
  logs: string[];
  close(): Promise<void>;
}

/** The real app on a fresh migrated database of its own, logging into memory. */
export async function buildTestApp(opts: { env?: Env; db?: TestDatabase } = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase());
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = testConfig({ LOG_LEVEL: 'debug', ...opts.env });
  const app = await buildApp(config, { pool: db.pool, logger: createLogger(config.logLevel, sink) });
  await app.ready();
  return {
    app,
    db,
    logs,
    async close() {
      await app.close();
      if (!opts.db) await db.drop();
    },
  };
}
