import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DatabaseSettings } from './config.js';

export interface DevDatabase {
  url: string;
  stop(): Promise<void>;
}

// dev.ts runs from source (tsx) or compiled: the child runs the same way, with the same loader flags.
const ENTRY = fileURLToPath(new URL(`./dev-database-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Starts the embedded PostgreSQL in its own process group (see dev-database-process.ts). */
export function startDevDatabase(settings: DatabaseSettings): Promise<DevDatabase> {
  const child = spawn(process.execPath, [...process.execArgv, ENTRY, settings.embeddedDir, String(settings.embeddedPort)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('stop');
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url?: string; error?: string }) => {
      if (message.url) resolve({ url: message.url, stop });
      else reject(new Error(message.error ?? 'the embedded PostgreSQL did not start'));
    });
    child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL process exited (${code}) before it was ready`)));
  });
}
