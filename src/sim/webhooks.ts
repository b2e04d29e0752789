import { createHmac } from 'node:crypto';
import type { StripeObject } from './json.js';
import { renderEvent } from './shapes.js';
import type { DeliveryRecord, SimState } from './state.js';
import { shapeOf } from './versions.js';

export type Channel = 'platform' | 'connect';

/** Stripe's scheme: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`. */
export function signatureHeader(secret: string, payload: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** A comma list of secrets is accepted for rolling; Stripe signs with the newest, we use the first. */
function signingSecret(list: string | null): string | null {
  const first = list?.split(',')[0]?.trim();
  return first ? first : null;
}

export interface DeliverOptions {
  copies?: number;
  delayMs?: number;
  /**
   * Send the event exactly as given instead of rendering it in the endpoint's API version
   * (`/_sim/deliver`: a hand-made event is already in the shape its author wants).
   */
  asGiven?: boolean;
}

export interface DelivererOptions {
  retrySchedulesMs: number[];
  timeoutMs: number;
  onError?: (message: string) => void;
}

/**
 * Sends events to the configured endpoints. First attempts go through one queue, so events
 * of one flow arrive in the order they happened; retries (after a non-2xx or a network error)
 * follow `retrySchedulesMs` on their own timers, like Stripe's retries.
 */
export class Deliverer {
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(
    private readonly state: SimState,
    private readonly opts: DelivererOptions,
  ) {}

  channelOf(event: StripeObject): Channel {
    return typeof event.account === 'string' ? 'connect' : 'platform';
  }

  urlFor(channel: Channel): string | null {
    return channel === 'connect' ? this.state.webhooks.connectWebhookUrl : this.state.webhooks.platformWebhookUrl;
  }

  /** Queue events; resolves when every first attempt (not the retries) has finished. */
  deliver(events: StripeObject[], channel: Channel | null, options: DeliverOptions = {}): Promise<void> {
    const copies = Math.max(1, options.copies ?? 1);
    const jobs: Array<() => Promise<void>> = [];
    for (const event of events) {
      for (let i = 0; i < copies; i++) jobs.push(() => this.attempt(event, channel ?? this.channelOf(event), 1, options.asGiven === true));
    }
    if (options.delayMs !== undefined && options.delayMs > 0) {
      // A delayed delivery must not hold back the others: that is how tests overtake events.
      return new Promise((resolve) => {
        this.later(options.delayMs ?? 0, () => {
          void jobs.reduce((p, job) => p.then(job), Promise.resolve()).then(resolve);
        });
      });
    }
    const done = jobs.reduce((p, job) => p.then(job), this.queue);
    this.queue = done.catch(() => undefined);
    return done;
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** The endpoint's API version, read at each attempt (a version change applies to retries too, as at Stripe). */
  versionFor(channel: Channel): string {
    return channel === 'connect' ? this.state.webhooks.connectWebhookApiVersion : this.state.webhooks.platformWebhookApiVersion;
  }

  private async attempt(event: StripeObject, channel: Channel, attempt: number, asGiven: boolean): Promise<void> {
    const url = this.urlFor(channel);
    if (this.closed || url === null) return;
    const secret = signingSecret(channel === 'connect' ? this.state.webhooks.connectWebhookSecret : this.state.webhooks.platformWebhookSecret);
    const version = asGiven ? null : this.versionFor(channel);
    const shape = version === null ? undefined : shapeOf(version);
    const rendered = version === null || shape === undefined ? event : renderEvent(event, version, shape);
    const payload = JSON.stringify(rendered, null, 2);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      accept: '*/*; q=0.5, application/xml',
      'cache-control': 'no-cache',
    };
    if (secret !== null) headers['stripe-signature'] = signatureHeader(secret, payload, Math.floor(Date.now() / 1000));
    const started = Date.now();
    const record: DeliveryRecord = {
      event_id: event.id,
      type: typeof event.type === 'string' ? event.type : '',
      channel,
      url,
      attempt,
      status: null,
      error: null,
      at: new Date(started).toISOString(),
      duration_ms: 0,
      api_version: version,
    };
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    try {
      const res = await fetch(url, { method: 'POST', headers, body: payload, signal: controller.signal });
      record.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
      record.duration_ms = Date.now() - started;
    }
    if (this.closed) return;
    this.state.log(this.state.deliveries, record);
    const ok = record.status !== null && record.status >= 200 && record.status < 300;
    if (!ok) {
      this.opts.onError?.(`webhook ${event.id} attempt ${attempt} to ${url}: ${record.status ?? record.error}`);
      const delay = this.opts.retrySchedulesMs[attempt - 1];
      if (delay !== undefined) this.later(delay, () => void this.attempt(event, channel, attempt + 1, asGiven));
    }
  }

  /** Forget pending retries (reset) without closing. */
  cancelPending(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.cancelPending();
    for (const c of this.controllers) c.abort();
  }
}
