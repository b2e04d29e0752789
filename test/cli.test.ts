import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrate.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';
import { TEST_ENV } from './helpers/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

const TSX = join(process.cwd(), 'node_modules/.bin/tsx');
const CLI = join(process.cwd(), 'src/cli.ts');

function run(args: string[], env: Record<string, string | undefined>, cwd = process.cwd()): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the CLI', { timeout: 90_000 }, () => {
  let db: TestDatabase;
  let sim: Simulator;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    sim = await startSimulator({ port: 0, secretKeys: [TEST_ENV.STRIPE_PLATFORM_SECRET_KEY], clientId: TEST_ENV.STRIPE_CLIENT_ID });
  });
  afterAll(async () => {
    await sim.close();
    await db.drop();
  });
  const env = () => ({ ...TEST_ENV, DATABASE_URL: db.url, STRIPE_API_BASE: sim.url });

  it('migrate applies every migration, then finds them current', async () => {
    const first = await run(['src/cli.ts', 'migrate'], env());
    expect(first.code).toBe(0);
    expect(first.out).toContain(`applied: ${readMigrations().map((m) => m.name).join(', ')}`);
    const again = await run(['src/cli.ts', 'migrate'], env());
    expect(again).toEqual({ code: 0, out: 'migrations are current\n' });
  });

  it('doctor passes on a good setup and reconcile reports an empty run', async () => {
    const doctor = await run(['src/cli.ts', 'doctor'], env());
    expect(doctor.code).toBe(0);
    expect(doctor.out).not.toContain('FAIL');
    const reconcile = await run(['src/cli.ts', 'reconcile'], { ...env(), LOG_LEVEL: 'silent' });
    expect(reconcile.code).toBe(0);
    expect(reconcile.out).toMatch(/0/);
  });

  it('refuses a bad configuration naming every problem, without a stack trace', async () => {
    const res = await run(['src/cli.ts', 'migrate'], { DATABASE_URL: db.url });
    expect(res.code).toBe(1);
    expect(res.out).toContain('STRIPE_PLATFORM_SECRET_KEY is required');
    expect(res.out).toContain('NSELF_BEARER_TOKEN is required');
    expect(res.out).not.toMatch(/\n\s+at /);
  });

  it('reads .env from the working directory; the environment still wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nself-cli-env-'));
    try {
      const lines = Object.entries({ ...env(), STRIPE_CLIENT_ID: 'ca_fromdotenv0000000000' }).map(([k, v]) => `${k}=${v}`);
      writeFileSync(join(dir, '.env'), `# as a developer would write it\n${lines.join('\n')}\n`);
      const doctor = await run([CLI, 'doctor'], {}, dir);
      expect(doctor.code).toBe(0);
      expect(doctor.out).toContain('ok   database: reachable');
      expect(doctor.out).toContain('ok   migrations: current');
      const overridden = await run([CLI, 'doctor'], { STRIPE_CLIENT_ID: 'not-a-client-id' }, dir);
      expect(overridden.code).toBe(1);
      expect(overridden.out).toContain('STRIPE_CLIENT_ID must start with ca_');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers an unknown command with its usage', async () => {
    const res = await run(['src/cli.ts', 'frobnicate'], env());
    expect(res.code).toBe(2);
    expect(res.out).toContain('usage: nself-stripe');
  });
});
