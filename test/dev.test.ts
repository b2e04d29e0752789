import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from './accounts/helpers.js';

const TSX = join(process.cwd(), 'node_modules/.bin/tsx');

// Under the project, not a 0700 temp dir: as root, PostgreSQL runs as the postgres user.
const dataDir = (): string => join(process.cwd(), '.data', `dev-test-${randomBytes(4).toString('hex')}`);

function output(child: ChildProcess): { text: () => string; exited: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { text: () => out, exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

function runCli(command: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(TSX, ['src/cli.ts', command], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env } });
  const out = output(child);
  return out.exited.then((code) => ({ code, out: out.text() }));
}

function hold(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer().listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('npm run dev', () => {
  it('with a port taken, exits at once with one line: the port, who holds it, the variable that moves it', async () => {
    const cases = [
      { variable: 'PORT', what: 'the service' },
      { variable: 'STRIPE_SIM_PORT', what: 'the Stripe simulator' },
      { variable: 'NSELF_EMBEDDED_PG_PORT', what: 'embedded PostgreSQL' },
    ];
    const dir = dataDir();
    const results = await Promise.all(
      cases.map(async ({ variable, what }) => {
        const ports: Record<string, number> = {
          PORT: await freePort(),
          STRIPE_SIM_PORT: await freePort(),
          NSELF_EMBEDDED_PG_PORT: await freePort(),
        };
        const taken = ports[variable]!;
        const holder = await hold(taken);
        try {
          const child = spawn(process.execPath, ['--import', 'tsx', 'src/dev.ts'], {
            env: {
              PATH: process.env.PATH,
              HOME: process.env.HOME,
              ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
              NSELF_EMBEDDED_PG_DIR: join(dir, variable, 'pg'),
            },
          });
          const out = output(child);
          return { variable, what, taken, code: await out.exited, text: out.text() };
        } finally {
          holder.close();
        }
      }),
    );
    rmSync(dir, { recursive: true, force: true });
    for (const r of results) {
      expect(r.code, r.text).toBe(1);
      const lines = r.text.trim().split('\n');
      expect(lines, r.text).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^npm run dev: port ${r.taken} \\(${r.what}\\) is already in use by pid ${process.pid} \\(.+\\); set ${r.variable} to use another port$`),
      );
      expect(r.text).not.toMatch(/EADDRINUSE|\n\s+at /);
    }
  }, 90_000);

  it('serves /ready with nothing configured; the CLI reaches its database; one Ctrl-C closes it cleanly', async () => {
    const dir = dataDir();
    const [port, simPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const pgDir = join(dir, 'pg');
    // Its own process group, as a terminal's foreground job: Ctrl-C goes to every process in it.
    const child = spawn('npm', ['run', 'dev'], {
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        STRIPE_SIM_PORT: String(simPort),
        NSELF_EMBEDDED_PG_DIR: pgDir,
        NSELF_EMBEDDED_PG_PORT: String(pgPort),
      },
    });
    const out = output(child);
    let stopped = false;
    try {
      const started = Date.now();
      let ready: { ready?: boolean; stripe_mode?: string } = {};
      while (Date.now() - started < 45_000 && ready.ready !== true) {
        ready = await fetch(`http://127.0.0.1:${port}/ready`)
          .then((r) => r.json() as Promise<typeof ready>)
          .catch(() => ({}));
        if (ready.ready !== true) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready).toMatchObject({ ready: true, stripe_mode: 'test' });
      expect(out.text()).toContain(`curl -s -X POST http://127.0.0.1:${port}/onboard`);
      expect(out.text()).toContain("A restart keeps the service's data (.data/) but not the simulator's");

      // Nothing exported but where the data lives: the CLI takes the running dev's settings.
      const cliEnv = { NSELF_EMBEDDED_PG_DIR: pgDir, LOG_LEVEL: 'silent' };
      const [doctor, migrate] = [await runCli('doctor', cliEnv), await runCli('migrate', cliEnv)];
      expect(doctor.code, doctor.out).toBe(0);
      expect(doctor.out).toContain('ok   settings: from the running npm run dev');
      expect(doctor.out).toContain(`ok   database: reachable: the embedded PostgreSQL of npm run dev`);
      expect(doctor.out).toContain('ok   migrations: current');
      expect(doctor.out).toContain('ok   stripe api: platform account');
      expect(migrate).toEqual({ code: 0, out: 'migrations are current\n' });

      process.kill(-child.pid!, 'SIGINT');
      expect(await out.exited).toBe(0);
      stopped = true;
      const text = out.text();
      expect(text.match(/"msg":"closing"/g)).toHaveLength(1);
      expect(text).toContain('stopped: service, simulator and database closed');
      expect(text).not.toMatch(/second SIGINT|lost its connection|again: exiting/);
      // The database stopped too, and the CLI no longer finds a running dev.
      expect(existsSync(join(pgDir, 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dir, 'dev.json'))).toBe(false);
    } finally {
      if (!stopped) process.kill(-child.pid!, 'SIGKILL');
      await out.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
