import pg from 'pg';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

export const ENTITLEMENT_CHANGES_CHANNEL = 'np_stripe_entitlement_changes';

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
    if (this.closed) return;
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

  private onNotification(payload: string | undefined): void {
    try {
      const [tenantId, entityId, capability] = JSON.parse(payload ?? '') as [string, string, string];
      this.handlers.onChange(tenantId, entityId, capability);
    } catch {
      // An unreadable payload could hide a change: distrust everything cached.
      this.handlers.onUnknownChange();
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.handlers.onStatus(false);
    client.end().catch(() => undefined);
    this.logger.warn('entitlement change listener lost its connection; answering from the database');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
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
