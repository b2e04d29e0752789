import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../../src/db/embedded.js';
import { freePort } from '../../accounts/helpers.js';

export interface OwnPostgres extends EmbeddedDatabase {
  dir: string;
  port: number;
  /** Stops the server for good and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL of the test's own (its own data directory under .data/faults-*, its own
 * port), so it can be stopped and started without touching any server others use.
 */
export async function startOwnPostgres(name: string): Promise<OwnPostgres> {
  const dir = resolve(`.data/faults-${name}-${randomBytes(4).toString('hex')}`);
  const port = await freePort();
  const db = await startEmbeddedPostgres({ dir, port });
  return {
    ...db,
    dir,
    port,
    async destroy() {
      await db.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
