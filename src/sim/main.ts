/** `npm run stripe:sim`: the simulator on its own, configured from the environment. */
import { DEFAULT_PORT, startSimulator } from './index.js';

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

const port = Number(env('STRIPE_SIM_PORT') ?? DEFAULT_PORT);
const key = env('STRIPE_PLATFORM_SECRET_KEY');
const sim = await startSimulator({
  port,
  host: env('STRIPE_SIM_HOST') ?? '127.0.0.1',
  secretKeys: key === undefined ? [] : key.split(',').map((k) => k.trim()),
  platformWebhookSecret: env('STRIPE_PLATFORM_WEBHOOK_SECRET'),
  connectWebhookSecret: env('STRIPE_CONNECT_WEBHOOK_SECRET'),
  clientId: env('STRIPE_CLIENT_ID'),
  publicUrl: env('STRIPE_SIM_PUBLIC_URL'),
  platformWebhookUrl: env('STRIPE_SIM_PLATFORM_WEBHOOK_URL') ?? 'http://127.0.0.1:3830/stripe/webhook/platform',
  connectWebhookUrl: env('STRIPE_SIM_CONNECT_WEBHOOK_URL') ?? 'http://127.0.0.1:3830/stripe/webhook/connect',
});
process.stdout.write(`Stripe simulator listening on ${sim.url} (control API: ${sim.url}/_sim/requests)\n`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
