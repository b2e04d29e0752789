import type { DatabaseSettings } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';
import { createPool, type Pool } from './pool.js';

export interface Database {
  pool: Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** Connects to the configured PostgreSQL, or starts the embedded one when none is configured. */
export async function openDatabase(
  settings: DatabaseSettings,
  opts: { poolSize?: number; onEmbeddedLog?: (line: string) => void } = {},
): Promise<Database> {
  const embedded = settings.url
    ? null
    : await startEmbeddedPostgres({ dir: settings.embeddedDir, port: settings.embeddedPort, onLog: opts.onEmbeddedLog });
  const url = settings.url ?? embedded!.url;
  const pool = createPool(url, opts.poolSize);
  return {
    pool,
    url,
    embedded: embedded !== null,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
