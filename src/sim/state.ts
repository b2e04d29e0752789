import type { JsonObject, StripeObject } from './json.js';
import type { Price } from './objects/catalog.js';

/** An object and the account it lives under (null = the platform). */
export interface Stored {
  obj: StripeObject;
  owner: string | null;
  seq: number;
}

export interface AccountLinkRecord {
  token: string;
  account: string;
  type: string;
  refreshUrl: string;
  returnUrl: string;
  expiresAt: number;
  visited: boolean;
  used: boolean;
}

export interface OAuthCodeRecord {
  code: string;
  account: string;
  scope: string;
  used: boolean;
  expiresAt: number;
}

export interface PortalSessionRecord {
  token: string;
  sessionId: string;
  customer: string;
  owner: string | null;
  returnUrl: string | null;
  /** The billing_portal.configuration whose features the page offers. */
  configuration: string;
}

/** What a Checkout Session was created with but does not show: applied when it is paid. */
export interface SessionOptions {
  lines: Array<{ price: Price; quantity: number }>;
  subscriptionMetadata: JsonObject;
  subscriptionDescription: string | null;
  applicationFeePercent: number | null;
  paymentIntentMetadata: JsonObject;
  paymentIntentDescription: string | null;
  applicationFeeAmount: number | null;
  customerCreation: string | null;
}

export interface RecordedRequest {
  id: string;
  at: string;
  method: string;
  path: string;
  query: JsonObject;
  body: JsonObject;
  headers: { 'stripe-account': string | null; 'idempotency-key': string | null; 'stripe-version': string | null };
  account: string | null;
  status: number;
  replayed: boolean;
}

export interface DeliveryRecord {
  event_id: string;
  type: string;
  channel: 'platform' | 'connect';
  url: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
  duration_ms: number;
  /** The version the event was rendered in for this endpoint (null for events sent as given). */
  api_version: string | null;
}

export interface FaultRule {
  method: string | null;
  path: string;
  status: number | null;
  hangMs: number;
  remaining: number;
  error: JsonObject | null;
  /** Sent as `Stripe-Should-Retry`, which stripe-node obeys over its own rules. */
  shouldRetry: boolean | null;
}

export interface WebhookConfig {
  platformWebhookUrl: string | null;
  connectWebhookUrl: string | null;
  platformWebhookSecret: string | null;
  connectWebhookSecret: string | null;
  /** Each endpoint's API version: its events are rendered in that version's shape. */
  platformWebhookApiVersion: string;
  connectWebhookApiVersion: string;
}

export class SimState {
  readonly objects = new Map<string, Stored>();
  readonly accountLinks = new Map<string, AccountLinkRecord>();
  readonly oauthCodes = new Map<string, OAuthCodeRecord>();
  /** OAuth access/refresh tokens → the connected account they act as. */
  readonly accessTokens = new Map<string, string>();
  readonly refreshTokens = new Map<string, string>();
  /** Accounts that disconnected from the platform (OAuth deauthorize). */
  readonly deauthorized = new Set<string>();
  /** Accounts connected through OAuth (vs created by the platform). */
  readonly oauthAccounts = new Set<string>();
  /** Checkout line items are not part of the session object (an expandable list). */
  readonly sessionLineItems = new Map<string, StripeObject[]>();
  readonly sessionOptions = new Map<string, SessionOptions>();
  readonly portalSessions = new Map<string, PortalSessionRecord>();
  readonly loginLinks = new Map<string, string>();
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  faults: FaultRule[] = [];
  private seq = 0;

  constructor(readonly webhooks: WebhookConfig) {}

  /** Logs are bounded so a long `npm run dev` session does not grow without end. */
  static readonly MAX_LOG = 5000;

  log<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > SimState.MAX_LOG) list.splice(0, list.length - SimState.MAX_LOG);
  }

  put<T extends StripeObject>(obj: T, owner: string | null): T {
    const existing = this.objects.get(obj.id);
    this.objects.set(obj.id, { obj, owner, seq: existing?.seq ?? ++this.seq });
    return obj;
  }

  /** Any object by id, whoever owns it (control API and hosted pages). */
  find(id: string, type?: string): Stored | undefined {
    const stored = this.objects.get(id);
    if (!stored || (type !== undefined && stored.obj.object !== type)) return undefined;
    return stored;
  }

  /** An object as seen from one account context: invisible from any other. */
  get(id: string, owner: string | null, type: string): StripeObject | undefined {
    const stored = this.find(id, type);
    return stored && stored.owner === owner ? stored.obj : undefined;
  }

  /** Newest first, like Stripe's lists. */
  list(type: string, owner: string | null, keep: (obj: StripeObject) => boolean = () => true): StripeObject[] {
    return [...this.objects.values()]
      .filter((s) => s.obj.object === type && s.owner === owner && keep(s.obj))
      .sort((a, b) => b.seq - a.seq)
      .map((s) => s.obj);
  }

  remove(id: string): void {
    this.objects.delete(id);
  }

  ownerOf(id: string): string | null {
    return this.objects.get(id)?.owner ?? null;
  }

  reset(): void {
    this.objects.clear();
    this.accountLinks.clear();
    this.oauthCodes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.deauthorized.clear();
    this.oauthAccounts.clear();
    this.sessionLineItems.clear();
    this.sessionOptions.clear();
    this.portalSessions.clear();
    this.loginLinks.clear();
    this.requests.length = 0;
    this.deliveries.length = 0;
    this.faults = [];
  }
}
