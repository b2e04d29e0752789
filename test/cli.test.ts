import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../src/db/migrate.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';
import { freePort } from './accounts/helpers.js';
import { TEST_ENV } from './helpers/config.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

const TSX = join(process.cwd(), 'node_modules/.bin/tsx');

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the CLI', () => {
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

  it('answers an unknown command with its usage', async () => {
    const res = await run(['src/cli.ts', 'frobnicate'], env());
    expect(res.code).toBe(2);
    expect(res.out).toContain('usage: nself-stripe');
  });
});

describe('npm run dev', () => {
  it('serves /ready 200 with nothing configured, on a new embedded database, and stops cleanly', async () => {
    // Under the project, not a 0700 temp dir: as root, PostgreSQL runs as the postgres user.
    const dataDir = join(process.cwd(), '.data', `dev-test-${randomBytes(4).toString('hex')}`);
    const [port, simPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(TSX, ['src/dev.ts'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        STRIPE_SIM_PORT: String(simPort),
        NSELF_EMBEDDED_PG_DIR: join(dataDir, 'pg'),
        NSELF_EMBEDDED_PG_PORT: String(pgPort),
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stopped = false;
    try {
      const started = Date.now();
      let ready: { ready?: boolean; stripe_mode?: string } = {};
      while (Date.now() - started < 30_000 && ready.ready !== true) {
        ready = await fetch(`http://127.0.0.1:${port}/ready`)
          .then((r) => r.json() as Promise<typeof ready>)
          .catch(() => ({}));
        if (ready.ready !== true) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready).toMatchObject({ ready: true, stripe_mode: 'test' });
      expect(out).toContain(`curl -s -X POST http://127.0.0.1:${port}/onboard`);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      stopped = true;
    } finally {
      if (!stopped) child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
