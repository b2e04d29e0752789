import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './children.js';

export const BUILD_DIR = join(ROOT, '.data', 'bench-build');

/**
 * Compiles the service and the bench's child programs to plain JavaScript, as production
 * runs it (`node dist/server.js`): no TypeScript loader in the measured processes' CPU or
 * memory. The migrations sit next to the output the way the image ships them.
 */
export function buildForBench(): { service: string; bare: string; ingestBaseline: string; peer: string } {
  mkdirSync(BUILD_DIR, { recursive: true });
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'bench', 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    // Type errors still emit JavaScript; only a missing output is fatal.
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    process.stderr.write(`[bench] tsc reported problems (the build still emitted):\n${out.slice(0, 2000)}\n`);
  }
  const migrations = join(BUILD_DIR, 'migrations');
  if (!existsSync(migrations)) symlinkSync(join(ROOT, 'migrations'), migrations, 'dir');
  const files = {
    service: join(BUILD_DIR, 'src', 'server.js'),
    bare: join(BUILD_DIR, 'bench', 'bare-server.js'),
    ingestBaseline: join(BUILD_DIR, 'bench', 'ingest-baseline.js'),
    peer: join(BUILD_DIR, 'bench', 'peer', 'server.js'),
  };
  for (const f of Object.values(files)) if (!existsSync(f)) throw new Error(`the bench build did not produce ${f}`);
  return files;
}
