import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Unauthorized } from './errors.js';

// The one-shot hash: no Hash object per request (this runs on every authenticated request).
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/**
 * Builds a bearer check over several accepted tokens (rotation). Comparing SHA-256
 * digests keeps every comparison the same length, so timingSafeEqual never leaks a length,
 * and every accepted token is compared so the time does not depend on which one matched.
 */
export function bearerVerifier(tokens: string[]): (header: string | undefined) => boolean {
  const accepted = tokens.map(digest);
  return (header) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const presented = digest(m?.[1] ?? '');
    let ok = false;
    for (const token of accepted) ok = timingSafeEqual(presented, token) || ok;
    return ok && m !== null;
  };
}

/**
 * The onRequest hook of every protected route. Callback style on purpose: an accepted request
 * goes on at once, without the promise and microtask an async hook costs on every request
 * (several µs of CPU on a warm entitlement check, see bench/).
 */
export function requireBearer(verify: (header: string | undefined) => boolean) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    done(verify(request.headers.authorization) ? undefined : new Unauthorized());
  };
}

/** A short, non-reversible tag of the presented token, for rate-limit keys and logs. */
export function tokenFingerprint(header: string | undefined): string {
  return digest(header ?? '').subarray(0, 8).toString('hex');
}
