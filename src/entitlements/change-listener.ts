import pg from 'pg';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

export const ENTITLEMENT_CHANGES_CHANNEL = 'np_stripe_entitlement_changes';

type Key = [tenantId: string, entityId: string, capability: string];
const isKey = (v: unknown): v is Key => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string');

/** The keys a notification names; 'all' for '*' or anything unreadable, which could hide a change. */
export function parseChangeNotification(payload: string | undefined): Key[] | 'all' {
  if (!payload || payload === '*') return 'all';
  try {
    const parsed: unknown = JSON.parse(payload);
    if (isKey(parsed)) return [parsed];
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every(isKey)) return parsed;
  } catch {
    // unreadable: below
  }
  return 'all';
}

export interface ChangeListenerHandlers {
  /** A grant of (tenant, entity, capability) changed on some replica. */
  onChange(tenantId: string, entityId: string, capability: string): void;
  /** Some grant changed, but the notification does not say which. */
  onUnknownChange(): void;
  /** Connected (true) or lost (false): while lost, nothing cached can be trusted. */
  onStatus(connected: boolean): void;
}

/**
 * Holds one dedicated connection LISTENing for grant changes, reconnecting with backoff.
 * It reports "connected" only after LISTEN succeeds, so no change can slip in between.
 */
export class EntitlementChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly handlers: ChangeListenerHandlers,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed || this.pool.ending) return;
    const client = new pg.Client(this.pool.options);
    client.on('notification', (msg) => this.onNotification(msg.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${ENTITLEMENT_CHANGES_CHANNEL}`);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'entitlement change listener could not connect; retrying');
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 250;
    this.handlers.onStatus(true);
  }

  /**
   * One key `[tenant, entity, capability]` (a row changed), an array of keys (a webhook batch,
   * migration 007), or '*': too many keys to name, everything changed.
   */
  private onNotification(payload: string | undefined): void {
    const keys = parseChangeNotification(payload);
    if (keys === 'all') return this.handlers.onUnknownChange();
    for (const [tenantId, entityId, capability] of keys) this.handlers.onChange(tenantId, entityId, capability);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.handlers.onStatus(false);
    client.end().catch(() => undefined);
    // The app's pool ending means the app is closing, and its database (the embedded one)
    // may stop before this listener is closed: a deliberate stop, not a fault to report.
    if (this.pool.ending) return;
    this.logger.warn('entitlement change listener lost its connection; answering from the database');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.pool.ending || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
