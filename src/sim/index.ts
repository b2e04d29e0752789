import type { FastifyBaseLogger } from 'fastify';
import { IdempotencyStore } from './idempotency.js';
import { buildServer } from './server.js';
import { Sim } from './sim.js';
import { SimState, type WebhookConfig } from './state.js';
import { specFile } from './spec/load.js';
import { DEFAULT_API_VERSION, modelledVersion } from './versions.js';
import { Deliverer } from './webhooks.js';

export { API_VERSION } from './sim.js';
export { MODELLED_VERSIONS } from './versions.js';
export { signatureHeader } from './webhooks.js';
export type { SimState } from './state.js';

export interface SimulatorOptions {
  /** 0 = a random free port. Default 12111. */
  port?: number;
  host?: string;
  /** API keys accepted; when empty, any well-formed sk_/rk_ test or live key is. */
  secretKeys?: string[];
  platformWebhookSecret?: string;
  connectWebhookSecret?: string;
  platformWebhookUrl?: string;
  connectWebhookUrl?: string;
  /** `ca_…`, the platform's OAuth client id. */
  clientId?: string;
  /** Base URL for hosted pages (account links, checkout, portal); default the simulator's own URL. */
  publicUrl?: string;
  /** Delays before redelivering after a failed attempt, like Stripe's retries. */
  retrySchedulesMs?: number[];
  /** Per-attempt delivery timeout. Default 10 s. */
  deliveryTimeoutMs?: number;
  /** The API version each webhook endpoint is set to (its events arrive in that shape). Default 2024-12-18.acacia. */
  platformWebhookApiVersion?: string;
  connectWebhookApiVersion?: string;
  logger?: FastifyBaseLogger;
}

export interface WebhookTargets {
  platformWebhookUrl?: string | null;
  connectWebhookUrl?: string | null;
  platformWebhookSecret?: string | null;
  connectWebhookSecret?: string | null;
  /** A version the simulator models (see src/sim/versions.ts); anything else throws. */
  platformWebhookApiVersion?: string;
  connectWebhookApiVersion?: string;
}

export interface Simulator {
  url: string;
  port: number;
  state: SimState;
  setWebhookTargets(targets: WebhookTargets): void;
  /** Forget every object, request, delivery and fault (config is kept). */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 12111;
export const DEFAULT_RETRY_SCHEDULE_MS = [1000, 2000, 5000, 10000, 30000];

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  // Requests are checked against Stripe's spec (a development dependency): fail here, not on the first call.
  specFile();
  const webhooks: WebhookConfig = {
    platformWebhookUrl: opts.platformWebhookUrl ?? null,
    connectWebhookUrl: opts.connectWebhookUrl ?? null,
    platformWebhookSecret: opts.platformWebhookSecret ?? null,
    connectWebhookSecret: opts.connectWebhookSecret ?? null,
    platformWebhookApiVersion: modelledVersion(opts.platformWebhookApiVersion ?? DEFAULT_API_VERSION),
    connectWebhookApiVersion: modelledVersion(opts.connectWebhookApiVersion ?? DEFAULT_API_VERSION),
  };
  const state = new SimState(webhooks);
  const deliverer = new Deliverer(state, {
    retrySchedulesMs: opts.retrySchedulesMs ?? DEFAULT_RETRY_SCHEDULE_MS,
    timeoutMs: opts.deliveryTimeoutMs ?? 10_000,
    onError: (message) => opts.logger?.warn(message),
  });
  const config = { publicUrl: opts.publicUrl ?? '', clientId: opts.clientId ?? 'ca_SimulatorClient0000000000000', secretKeys: opts.secretKeys ?? [] };
  const sim = new Sim(state, config, deliverer);
  const idempotency = new IdempotencyStore();
  const app = buildServer(sim, idempotency, opts.logger);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? DEFAULT_PORT, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? DEFAULT_PORT);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (config.publicUrl === '') config.publicUrl = url;
  return {
    url,
    port,
    state,
    setWebhookTargets(targets) {
      if (targets.platformWebhookUrl !== undefined) webhooks.platformWebhookUrl = targets.platformWebhookUrl;
      if (targets.connectWebhookUrl !== undefined) webhooks.connectWebhookUrl = targets.connectWebhookUrl;
      if (targets.platformWebhookSecret !== undefined) webhooks.platformWebhookSecret = targets.platformWebhookSecret;
      if (targets.connectWebhookSecret !== undefined) webhooks.connectWebhookSecret = targets.connectWebhookSecret;
      if (targets.platformWebhookApiVersion !== undefined) webhooks.platformWebhookApiVersion = modelledVersion(targets.platformWebhookApiVersion);
      if (targets.connectWebhookApiVersion !== undefined) webhooks.connectWebhookApiVersion = modelledVersion(targets.connectWebhookApiVersion);
    },
    reset() {
      deliverer.cancelPending();
      state.reset();
      idempotency.clear();
    },
    async close() {
      deliverer.close();
      await app.close();
    },
  };
}
