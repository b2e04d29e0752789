import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children.js';

const PEER_DIR = join(ROOT, 'bench', 'peer');
const ENTRY = join(PEER_DIR, 'node_modules', '@supabase', 'stripe-sync-engine', 'dist', 'index.cjs');

/**
 * stripe sync-engine, installed in bench/peer from its own lockfile on first use, with the stripe
 * (19) it was released with: the service's own dependencies (stripe 23) stay untouched by it.
 * Returns the package's CommonJS entry file: its ES module build runs its migrations from
 * `__dirname`, which ES modules do not have (the error is only logged).
 */
export function syncEngineEntry(): string {
  if (!existsSync(ENTRY)) {
    process.stderr.write('[bench] installing the peer (stripe sync-engine) in bench/peer\n');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEER_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return ENTRY;
}
