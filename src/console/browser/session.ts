/// <reference lib="dom" />

/** The signed-in operator: kept in sessionStorage, so it ends with the browser session and never enters a URL. */
export interface Session {
  token: string;
  /** The tenant named with X-Tenant-Id; null = the token's own tenant, or the service's default. */
  tenantId: string | null;
  /** True for an admin token bound to no tenant: it may switch tenants and read the metrics. */
  platform: boolean;
}

const KEY = 'nself-stripe-console-session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return null;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { token, tenantId, platform } = value as Record<string, unknown>;
    if (typeof token !== 'string' || typeof platform !== 'boolean') return null;
    return { token, tenantId: typeof tenantId === 'string' ? tenantId : null, platform };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
