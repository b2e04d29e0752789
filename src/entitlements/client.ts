/**
 * `billing.can` for other TypeScript services: a small typed client of
 * `GET /entitlement/:entity_id/:capability`, so nobody hand-rolls the call.
 * Depends on nothing but `fetch`.
 *
 * It takes either kind of token. Give application services a check token (`NSELF_CHECK_TOKEN`):
 * it may call this route and nothing else. A token configured as `<tenant-uuid>:<token>` is
 * sent as `<token>` and acts in that tenant only: leave `tenantId` out (or name that tenant);
 * naming another is refused with 403 `tenant_forbidden`.
 */
import type { EntitlementAnswer } from './answer.js';

/** What `can` resolves to: the route's answer (type-only: the client still needs nothing but fetch). */
export type EntitlementResult = EntitlementAnswer;

export interface BillingClientOptions {
  /** Where nself-stripe is reached, e.g. `http://nself-stripe:3830`. */
  baseUrl: string;
  /** A check token (NSELF_CHECK_TOKEN) or an admin one (NSELF_BEARER_TOKEN), without any tenant prefix. */
  token: string;
  /** Names the tenant (X-Tenant-Id); else the token's own tenant, else the service's default tenant. */
  tenantId?: string;
  fetch?: typeof fetch;
  /** Per-call timeout; default 5000 ms. */
  timeoutMs?: number;
}

export interface BillingClient {
  can(entityId: string, capability: string): Promise<EntitlementResult>;
}

/** A failed call: `status` is the HTTP status (0 when the service could not be reached), `code` the error code. */
export class BillingClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'BillingClientError';
  }
}

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

async function errorFrom(response: Response): Promise<BillingClientError> {
  const body = (await response.json().catch(() => ({}))) as ErrorShape;
  const code = typeof body.error?.code === 'string' ? body.error.code : 'http_error';
  const message = typeof body.error?.message === 'string' ? body.error.message : `nself-stripe answered ${response.status}`;
  return new BillingClientError(response.status, code, message, body.error?.details);
}

// fetch's URL parser collapses `.` and `..` segments (`%2E` too) into another path: refused before sending.
function refuseDotSegment(name: string, value: string): void {
  if (value === '.' || value === '..') {
    throw new BillingClientError(400, 'invalid_request', `${name} must not be . or ..`, { [name]: value });
  }
}

export function createBillingClient(options: BillingClientOptions): BillingClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
  if (options.tenantId) headers['x-tenant-id'] = options.tenantId;

  return {
    async can(entityId, capability) {
      refuseDotSegment('entity_id', entityId);
      refuseDotSegment('capability', capability);
      const url = `${base}/entitlement/${encodeURIComponent(entityId)}/${encodeURIComponent(capability)}`;
      let response: Response;
      try {
        response = await doFetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
      } catch (err) {
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        throw new BillingClientError(0, timedOut ? 'timeout' : 'network_error', `nself-stripe could not be reached: ${(err as Error).message}`);
      }
      if (!response.ok) throw await errorFrom(response);
      return (await response.json()) as EntitlementResult;
    },
  };
}
