import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';

let embedded: EmbeddedDatabase | null = null;

/**
 * Tests run against DATABASE_URL when set (each file makes its own database there),
 * else against an embedded PostgreSQL started once for the whole run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dir: process.env.NSELF_TEST_PG_DIR ?? '.data/test-postgres',
      port: Number(process.env.NSELF_TEST_PG_PORT ?? 54331),
    });
    adminUrl = embedded.url;
  }
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await embedded?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
