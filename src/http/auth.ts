import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError, Unauthorized } from './errors.js';
import type { AcceptedToken, Principal } from './principals.js';

export type { AcceptedToken, Principal } from './principals.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token acts as; set by the bearer hook, null on routes without one. */
    principal: Principal | null;
  }
}

// The one-shot hash: no Hash object per request (this runs on every authenticated request).
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/** The principal a presented `Authorization` header authenticates, or null. */
export type BearerVerifier = (header: string | undefined) => Principal | null;

/**
 * Builds a bearer check over every accepted token (admin and check, rotation). Comparing
 * SHA-256 digests keeps every comparison the same length, so timingSafeEqual never leaks a
 * length, and every accepted token is compared so the time does not depend on which one matched.
 */
export function bearerVerifier(tokens: readonly AcceptedToken[]): BearerVerifier {
  const accepted = tokens.map((t) => ({ digest: digest(t.token), principal: t.principal }));
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const presented = digest(m?.[1] ?? '');
    let matched: Principal | null = null;
    for (const token of accepted) {
      const equal = timingSafeEqual(presented, token.digest);
      matched = equal ? token.principal : matched;
    }
    return m === null ? null : matched;
  };
}

/**
 * Which principals a route admits: `admin` every admin token; `check` admin and check tokens
 * (the entitlement check only); `platform` admin tokens bound to no tenant (cross-tenant views).
 */
export type Access = 'admin' | 'check' | 'platform';

const ADMITS: Record<Access, (p: Principal) => boolean> = {
  admin: (p) => p.kind === 'admin',
  check: () => true,
  platform: (p) => p.kind === 'admin' && p.tenantId === null,
};

const CHECK_ONLY = 'This token may only check entitlements';
const TENANT_BOUND = 'This route spans every tenant: it needs an admin token bound to no tenant';

/**
 * The onRequest hook of every protected route: 401 for a missing or unknown token, 403 for a
 * known token this route does not admit. Callback style on purpose: an accepted request goes
 * on at once, without the promise and microtask an async hook costs on every request (several
 * µs of CPU on a warm entitlement check, see bench/).
 */
export function requireBearer(verify: BearerVerifier, access: Access = 'admin') {
  const admits = ADMITS[access];
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const principal = verify(request.headers.authorization);
    if (principal === null) return done(new Unauthorized());
    request.principal = principal;
    if (admits(principal)) return done();
    done(new AppError(403, 'forbidden', principal.kind === 'check' ? CHECK_ONLY : TENANT_BOUND));
  };
}
