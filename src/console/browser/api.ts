/// <reference lib="dom" />
import type { Session } from './session.js';

/** A refusal in the service's error shape `{error: {code, message, details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

/** A path with every interpolated value percent-encoded: `path\`/account/${id}/disconnect\``. */
export function path(parts: TemplateStringsArray, ...values: string[]): string {
  return parts.reduce((out, part, i) => out + part + (i < values.length ? encodeURIComponent(values[i]!) : ''), '');
}

function errorOf(status: number, body: unknown): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as Record<string, unknown>;
    if (typeof code === 'string' && typeof message === 'string') return new ApiError(status, code, message);
  }
  return new ApiError(status, 'http_error', `The service answered ${status}`);
}

/**
 * Calls the service's JSON API with the session's bearer token. URLs are relative to the page,
 * so the console works behind a proxy that mounts the service under a path.
 */
export function createApi(session: Session): Api {
  async function call<T>(method: string, target: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${session.token}`, accept: 'application/json' };
    if (session.tenantId !== null) headers['x-tenant-id'] = session.tenantId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(target.replace(/^\//, ''), document.baseURI);
    const res = await fetch(url, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    const parsed: unknown = res.headers.get('content-type')?.includes('json') ? await res.json().catch(() => null) : null;
    if (!res.ok) throw errorOf(res.status, parsed);
    return parsed as T;
  }
  return {
    get: (target, query) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
      const qs = params.toString();
      return call('GET', qs ? `${target}?${qs}` : target);
    },
    post: (target, body) => call('POST', target, body ?? {}),
    del: (target) => call('DELETE', target),
  };
}
