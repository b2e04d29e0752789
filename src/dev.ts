import pretty from 'pino-pretty';
import { buildApp, type App } from './app.js';
import { loadConfig, type Config, type Env } from './config.js';
import { startDevDatabase, type DevDatabase } from './dev-database.js';
import { devDefaults, devPorts, loadDotEnv, removeDevState, writeDevState } from './dev-env.js';
import { walkthrough } from './dev-walkthrough.js';
import { createLogger } from './logger.js';
import { ensurePortFree, isAddressInUse, PortInUseError } from './ports.js';
import { startSimulator, type Simulator } from './sim/index.js';

// Offline development: embedded PostgreSQL + the Stripe simulator + the service, with
// test-mode defaults for anything the environment (and .env) leaves unset.
loadDotEnv();
const defaults = devDefaults(process.env);
const env: Env = { ...process.env, ...defaults };
const { simPort } = devPorts(env);

interface Running {
  db?: DevDatabase;
  sim?: Simulator;
  app?: App;
}
const running: Running = {};

async function closeAll(): Promise<void> {
  // The service first (in-flight requests, the change listener), the database last.
  await running.app?.close();
  await running.sim?.close();
  await running.db?.stop();
  removeDevState(env);
}

/** Every port before anything starts: a taken one is named with the variable that moves it. */
async function checkPorts(config: Config): Promise<void> {
  await ensurePortFree(config.port, config.host, 'the service', 'PORT');
  await ensurePortFree(simPort, '127.0.0.1', 'the Stripe simulator', 'STRIPE_SIM_PORT');
  if (!config.database.url) {
    await ensurePortFree(config.database.embeddedPort, '127.0.0.1', 'embedded PostgreSQL', 'NSELF_EMBEDDED_PG_PORT');
  }
}

async function start(): Promise<void> {
  let config = loadConfig(env);
  await checkPorts(config);
  if (!config.database.url) {
    running.db = await startDevDatabase(config.database);
    config = { ...config, database: { ...config.database, url: running.db.url } };
  }
  const local = `http://127.0.0.1:${config.port}`;
  running.sim = await startSimulator({
    port: simPort,
    secretKeys: [config.stripe.secretKey],
    platformWebhookSecret: config.stripe.platformWebhookSecrets[0]!,
    connectWebhookSecret: config.stripe.connectWebhookSecrets[0]!,
    platformWebhookUrl: `${local}/stripe/webhook/platform`,
    connectWebhookUrl: `${local}/stripe/webhook/connect`,
    clientId: config.stripe.clientId,
  }).catch((err: unknown) => {
    throw isAddressInUse(err) ? new PortInUseError(simPort, 'the Stripe simulator', 'STRIPE_SIM_PORT') : err;
  });
  // Pretty lines for a person at a terminal; JSON when piped, as in production.
  const logger = createLogger(config.logLevel, process.stdout.isTTY ? pretty({ colorize: true }) : undefined);
  running.app = await buildApp(config, { logger });
  await running.app.listen({ port: config.port, host: config.host }).catch((err: unknown) => {
    throw isAddressInUse(err) ? new PortInUseError(config.port, 'the service', 'PORT') : err;
  });
  // The CLI (npm run migrate|reconcile|doctor) reads this to reach the same database and simulator.
  writeDevState(env, {
    pid: process.pid,
    serviceUrl: local,
    simUrl: running.sim.url,
    settings: { ...defaults, ...(running.db ? { DATABASE_URL: running.db.url } : {}) },
  });
  process.stdout.write(
    walkthrough({ serviceUrl: local, simUrl: running.sim.url, token: config.bearerTokens[0]!, secretKey: config.stripe.secretKey }),
  );
}

// One Ctrl-C reaches this process more than once: from the terminal (the whole foreground
// process group gets it) and again through npm and tsx, which pass it on. Repeats within a
// second are that one keypress; a later one means "stop waiting".
let closing: Promise<void> | null = null;
let firstSignalAt = 0;
function shutdown(signal: NodeJS.Signals): void {
  if (closing) {
    if (Date.now() - firstSignalAt < 1_000) return;
    process.stderr.write(`${signal} again: exiting without waiting for the close\n`);
    process.exit(1);
  }
  firstSignalAt = Date.now();
  running.app?.log.info({ signal }, 'closing');
  const timer = setTimeout(() => {
    process.stderr.write('the close took longer than 10 s: exiting\n');
    process.exit(1);
  }, 10_000);
  closing = closeAll().then(
    () => {
      clearTimeout(timer);
      process.stdout.write('stopped: service, simulator and database closed\n', () => process.exit(0));
    },
    (err: unknown) => {
      process.stderr.write(`close failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);

try {
  await start();
} catch (err) {
  // One line that says what to do: a taken port, a configuration problem, a database that did not start.
  process.stderr.write(`npm run dev: ${err instanceof Error ? err.message : String(err)}\n`);
  await closeAll().catch(() => undefined);
  process.exit(1);
}
