import type { FastifyInstance, FastifyReply } from 'fastify';
import { SimError } from '../errors.js';
import { completeOnboarding, deauthorizeAccount } from '../flows/accounts.js';
import { invoiceFailed, invoicePaid, setSubscriptionStatus } from '../flows/billing.js';
import { settleSession } from '../flows/checkout-async.js';
import { disputeCharge, refundCharge } from '../flows/payments.js';
import type { IdempotencyStore } from '../idempotency.js';
import { isObject, type JsonObject, type StripeObject } from '../json.js';
import { isKind, type Kind, type Kinds } from '../objects/guards.js';
import type { Sim } from '../sim.js';
import { runTrigger } from '../trigger.js';
import { MODELLED_VERSIONS, shapeOf } from '../versions.js';
import type { Channel } from '../webhooks.js';

function bodyOf(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function num(body: JsonObject, key: string): number | undefined {
  const v = body[key];
  return typeof v === 'number' ? v : undefined;
}

function str(body: JsonObject, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' ? v : undefined;
}

function must<K extends Kind>(sim: Sim, id: string, kind: K): Kinds[K] {
  const obj = sim.state.find(id, kind)?.obj;
  if (!isKind(obj, kind)) throw new SimError(404, { message: `No such ${kind}: '${id}'` });
  return obj;
}

const SUB_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'paused', 'trialing', 'incomplete', 'incomplete_expired'];

export interface ControlDeps {
  app: FastifyInstance;
  sim: Sim;
  idempotency: IdempotencyStore;
}

/** Business controls answer with the object and the events they sent (after first attempts). */
async function deliverAll(sim: Sim, object: StripeObject, events: StripeObject[]): Promise<JsonObject> {
  await sim.dispatch(events);
  return { object, events: events.map((e) => ({ id: e.id, type: e.type ?? null, account: e.account ?? null })) };
}

function fail(reply: FastifyReply, err: unknown): JsonObject {
  if (err instanceof SimError) {
    reply.code(err.status);
    return { error: err.body };
  }
  reply.code(500);
  return { error: { message: err instanceof Error ? err.message : String(err) } };
}

/** The `/_sim/*` control API (no key): observe, reset, configure, trigger, inject faults. */
export function registerControlRoutes({ app, sim, idempotency }: ControlDeps): void {
  const post = (url: string, fn: (body: JsonObject, params: Record<string, string>) => Promise<JsonObject> | JsonObject): void => {
    app.post<{ Params: Record<string, string> }>(url, async (req, reply) => {
      try {
        return await fn(bodyOf(req.body), req.params);
      } catch (err) {
        return fail(reply, err);
      }
    });
  };

  app.get<{ Querystring: Record<string, string> }>('/_sim/requests', (req) => {
    const { method, path } = req.query;
    return { data: sim.state.requests.filter((r) => (method === undefined || r.method === method.toUpperCase()) && (path === undefined || r.path.startsWith(path))) };
  });
  app.delete('/_sim/requests', () => {
    sim.state.requests.length = 0;
    return { ok: true };
  });
  app.get<{ Querystring: Record<string, string> }>('/_sim/deliveries', (req) => {
    const { event_id: eventId, type } = req.query;
    return { data: sim.state.deliveries.filter((d) => (eventId === undefined || d.event_id === eventId) && (type === undefined || d.type === type)) };
  });
  app.delete('/_sim/deliveries', () => {
    sim.state.deliveries.length = 0;
    return { ok: true };
  });
  app.get<{ Params: { id: string } }>('/_sim/objects/:id', (req, reply) => {
    const stored = sim.state.find(req.params.id);
    if (stored === undefined) return reply.code(404).send({ error: { message: `No such object: ${req.params.id}` } });
    return { object: stored.obj, account: stored.owner };
  });
  post('/_sim/reset', () => {
    sim.deliverer.cancelPending();
    sim.state.reset();
    idempotency.clear();
    return { ok: true };
  });

  app.get('/_sim/config', () => {
    const w = sim.state.webhooks;
    const mask = (s: string | null): string | null => (s === null ? null : `${s.slice(0, 6)}****`);
    return {
      platformWebhookUrl: w.platformWebhookUrl,
      connectWebhookUrl: w.connectWebhookUrl,
      platformWebhookSecret: mask(w.platformWebhookSecret),
      connectWebhookSecret: mask(w.connectWebhookSecret),
      platformWebhookApiVersion: w.platformWebhookApiVersion,
      connectWebhookApiVersion: w.connectWebhookApiVersion,
      publicUrl: sim.config.publicUrl,
    };
  });
  post('/_sim/config', (body) => {
    const w = sim.state.webhooks;
    const value = (camel: string, snake: string): unknown => (body[camel] !== undefined ? body[camel] : body[snake]);
    const versions: Array<['platformWebhookApiVersion' | 'connectWebhookApiVersion', string]> = [
      ['platformWebhookApiVersion', 'platform_webhook_api_version'],
      ['connectWebhookApiVersion', 'connect_webhook_api_version'],
    ];
    // Check every version before changing anything: a refused config changes nothing.
    for (const [camel, snake] of versions) {
      const v = value(camel, snake);
      if (v === undefined) continue;
      if (typeof v !== 'string' || shapeOf(v) === undefined) throw new SimError(400, { message: `${camel} must be one of ${MODELLED_VERSIONS.join(', ')}` });
    }
    for (const [camel, snake] of versions) {
      const v = value(camel, snake);
      if (typeof v === 'string') w[camel] = v;
    }
    const pick = (camel: 'platformWebhookUrl' | 'connectWebhookUrl' | 'platformWebhookSecret' | 'connectWebhookSecret', snake: string): void => {
      const v = value(camel, snake);
      if (v === null || typeof v === 'string') w[camel] = v;
    };
    pick('platformWebhookUrl', 'platform_webhook_url');
    pick('connectWebhookUrl', 'connect_webhook_url');
    pick('platformWebhookSecret', 'platform_webhook_secret');
    pick('connectWebhookSecret', 'connect_webhook_secret');
    return { ok: true };
  });

  post('/_sim/trigger', async (body) => {
    const type = str(body, 'type');
    if (type === undefined) throw new SimError(400, { message: 'type is required' });
    const deliver = isObject(body.deliver) ? body.deliver : {};
    const overrides = isObject(body.object) ? body.object : {};
    const mode = str(body, 'mode') === 'payment' ? 'payment' : 'subscription';
    const result = runTrigger(sim, { type, account: str(body, 'account') ?? null, overrides, mode });
    const chosen = deliver.all === true ? result.events : result.events.filter((e) => e.type === type);
    const options = { copies: num(deliver, 'duplicate'), delayMs: num(deliver, 'delay_ms'), reorder: deliver.reorder === true };
    const sending = sim.dispatch(chosen, options);
    if (options.delayMs === undefined) await sending;
    return { object: result.object, events: chosen, all_events: result.events.map((e) => ({ id: e.id, type: e.type ?? null })) };
  });

  post('/_sim/deliver', async (body) => {
    const event = body.event;
    if (!isObject(event) || typeof event.id !== 'string' || typeof event.object !== 'string') throw new SimError(400, { message: 'event (a full event object) is required' });
    const channelName = str(body, 'channel');
    const channel: Channel | null = channelName === 'platform' || channelName === 'connect' ? channelName : null;
    const delayMs = num(body, 'delay_ms');
    const stripeEvent: StripeObject = { ...event, id: event.id, object: event.object };
    const sending = sim.deliverer.deliver([stripeEvent], channel, { copies: num(body, 'duplicate'), delayMs, asGiven: true });
    if (delayMs === undefined) await sending;
    return { ok: true, event_id: event.id, channel: channel ?? sim.deliverer.channelOf(stripeEvent) };
  });

  post('/_sim/faults', (body) => {
    const match = isObject(body.match) ? body.match : {};
    const path = str(match, 'path');
    if (path === undefined) throw new SimError(400, { message: 'match.path is required' });
    const error = isObject(body.error) ? body.error : null;
    const status = num(body, 'status') ?? (num(body, 'hang_ms') === undefined ? 500 : null);
    sim.state.faults.push({ method: str(match, 'method') ?? null, path, status, hangMs: num(body, 'hang_ms') ?? 0, remaining: num(body, 'count') ?? 1, error, shouldRetry: typeof body.should_retry === 'boolean' ? body.should_retry : null });
    return { ok: true, faults: sim.state.faults.length };
  });
  app.get('/_sim/faults', () => ({ data: sim.state.faults }));
  app.delete('/_sim/faults', () => {
    sim.state.faults = [];
    return { ok: true };
  });

  post('/_sim/subscriptions/:id/status', async (body, params) => {
    const status = str(body, 'status') ?? '';
    if (!SUB_STATUSES.includes(status)) throw new SimError(400, { message: `status must be one of ${SUB_STATUSES.join(', ')}` });
    const sub = must(sim, params.id ?? '', 'subscription');
    return deliverAll(sim, sub, setSubscriptionStatus(sim, sub, status));
  });
  post('/_sim/checkout_sessions/:id/settle', async (body, params) => {
    const outcome = str(body, 'outcome');
    if (outcome !== 'succeeded' && outcome !== 'failed') throw new SimError(400, { message: 'outcome must be succeeded or failed' });
    const session = must(sim, params.id ?? '', 'checkout.session');
    return deliverAll(sim, session, settleSession(sim, session, outcome));
  });
  post('/_sim/invoices/:id/fail', async (_body, params) => {
    const invoice = must(sim, params.id ?? '', 'invoice');
    if (invoice.paid) throw new SimError(400, { message: 'Invoice is already paid.' });
    return deliverAll(sim, invoice, invoiceFailed(sim, invoice));
  });
  post('/_sim/invoices/:id/pay', async (_body, params) => {
    const invoice = must(sim, params.id ?? '', 'invoice');
    if (invoice.paid) throw new SimError(400, { message: 'Invoice is already paid.' });
    return deliverAll(sim, invoice, invoicePaid(sim, invoice));
  });
  post('/_sim/charges/:id/refund', async (body, params) => {
    const charge = must(sim, params.id ?? '', 'charge');
    const { events } = refundCharge(sim, charge, num(body, 'amount'), str(body, 'reason') ?? 'requested_by_customer');
    return deliverAll(sim, charge, events);
  });
  post('/_sim/charges/:id/dispute', async (body, params) => {
    const charge = must(sim, params.id ?? '', 'charge');
    const { dispute, events } = disputeCharge(sim, charge, str(body, 'reason') ?? 'fraudulent');
    return deliverAll(sim, dispute, events);
  });
  post('/_sim/accounts/:id/complete_onboarding', async (_body, params) => {
    const account = must(sim, params.id ?? '', 'account');
    return deliverAll(sim, account, completeOnboarding(sim, account));
  });
  post('/_sim/accounts/:id/deauthorize', async (_body, params) => {
    const account = must(sim, params.id ?? '', 'account');
    return deliverAll(sim, account, deauthorizeAccount(sim, account.id));
  });
}
