import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../accounts/helpers.js';

const STOPS_THEN_SETS_CODE = `
  import { startEmbeddedPostgres } from './src/db/embedded.ts';
  const db = await startEmbeddedPostgres({ dir: process.env.PG_DIR, port: Number(process.env.PG_PORT) });
  await db.stop();
  process.exitCode = 3;
`;
const EXITS_WITH_SERVER_RUNNING = `
  import { startEmbeddedPostgres } from './src/db/embedded.ts';
  await startEmbeddedPostgres({ dir: process.env.PG_DIR, port: Number(process.env.PG_PORT) });
  process.exit(4);
`;

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('a process that started an embedded PostgreSQL', () => {
  // A vitest run with failing tests used to exit 0 this way once its embedded server stopped.
  it.each([
    ['sets process.exitCode after stopping the server', STOPS_THEN_SETS_CODE, 3],
    ['calls process.exit with the server still running', EXITS_WITH_SERVER_RUNNING, 4],
  ])('ends with its own code when it %s, and leaves no server behind', async (_what, script, code) => {
    const port = await freePort();
    const dir = join(process.cwd(), '.data', `embedded-exit-${port}`);
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, PG_DIR: dir, PG_PORT: String(port) },
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(child.status, child.stderr).toBe(code);
      // The stop signal was sent as the process exited; the server is down within moments.
      for (let i = 0; i < 50 && (await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await listening(port)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
