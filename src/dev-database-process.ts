/**
 * The embedded PostgreSQL of `npm run dev`, in a process of its own that dev.ts starts
 * detached: a terminal's Ctrl-C goes to the whole foreground process group, and PostgreSQL
 * answers SIGINT with a fast shutdown that cuts the service's connections before the
 * service has closed. Out of that group, the database stops last, when dev.ts says so or
 * when dev.ts is gone (the IPC channel closes).
 */
import { startEmbeddedPostgres } from './db/embedded.js';

const send = (message: object): void => {
  process.send?.(message);
};

const [dir, port] = [process.argv[2] ?? '', Number(process.argv[3])];
try {
  const db = await startEmbeddedPostgres({ dir, port });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void db.stop().finally(() => process.exit(0));
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
  });
  process.on('disconnect', stop);
  send({ url: db.url });
} catch (err) {
  send({ error: err instanceof Error ? err.message : String(err) });
  process.disconnect?.();
  process.exitCode = 1;
}
