import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { formatChecks, runDoctor } from './doctor.js';

const USAGE = `usage: nself-stripe <command>
  migrate     apply pending database migrations
  reconcile   re-read grants and accounts from Stripe and repair drift
  doctor      check configuration, database, migrations and Stripe access`;

async function runMigrate(): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db.pool);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'migrations are current\n');
    return 0;
  } finally {
    await db.close();
  }
}

async function runReconcile(): Promise<number> {
  const { reconcile, formatReconcileReport } = await import('./reconcile/index.js');
  const app = await buildApp(loadConfig());
  try {
    const report = await reconcile(app.ctx);
    process.stdout.write(`${formatReconcileReport(report)}\n`);
    return report.errors.length > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

async function runDoctorCommand(): Promise<number> {
  const checks = await runDoctor();
  process.stdout.write(`${formatChecks(checks)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

const COMMANDS: Record<string, () => Promise<number>> = {
  migrate: runMigrate,
  reconcile: runReconcile,
  doctor: runDoctorCommand,
};

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    return await command();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// An explicit exit once output is flushed: a lingering handle must not keep a CLI run alive,
// and some runners (tsx) drop process.exitCode.
process.stdout.write('', () => process.exit(code));
