import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Pool, Queryable } from '../db/pool.js';
import { BadRequest } from '../http/errors.js';

export type StatePurpose = 'oauth' | 'account_link';

const payloadSchema = z.object({
  nonce: z.string().min(16),
  tenant: z.string(),
  entity: z.string(),
  purpose: z.enum(['oauth', 'account_link']),
  return_url: z.string().optional(),
  exp: z.number().int(),
});
export type StatePayload = z.infer<typeof payloadSchema>;

const invalidState = (why: string): BadRequest => new BadRequest(`The onboarding state is ${why}`, undefined, 'invalid_state');

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** `base64url(payload).base64url(HMAC-SHA256(payload))`: tamper-evident, readable by nobody else's key. */
export function signState(secret: string, payload: StatePayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** Signature and expiry; single use is `spendState`'s job. */
export function verifyState(secret: string, token: string, nowMs = Date.now()): StatePayload {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) throw invalidState('malformed');
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidState('not signed by this service');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidState('malformed');
  }
  const payload = payloadSchema.safeParse(parsed);
  if (!payload.success) throw invalidState('malformed');
  if (payload.data.exp * 1000 <= nowMs) throw invalidState('expired');
  return payload.data;
}

export interface IssuedState {
  token: string;
  expiresAt: Date;
}

/** Mints a state and records its nonce, so the callback can use it exactly once. */
export async function issueState(
  q: Queryable,
  secret: string,
  input: { tenantId: string; entityId: string; purpose: StatePurpose; returnUrl: string | null; ttlSeconds: number },
): Promise<IssuedState> {
  const nonce = randomBytes(24).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + input.ttlSeconds;
  const expiresAt = new Date(exp * 1000);
  await q.query(
    `INSERT INTO np_stripe_oauth_states (nonce, tenant_id, entity_id, purpose, return_url, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [nonce, input.tenantId, input.entityId, input.purpose, input.returnUrl, expiresAt],
  );
  const payload: StatePayload = { nonce, tenant: input.tenantId, entity: input.entityId, purpose: input.purpose, exp };
  if (input.returnUrl !== null) payload.return_url = input.returnUrl;
  return { token: signState(secret, payload), expiresAt };
}

/**
 * Spends the nonce: one autocommitted statement on the pool, before any Stripe call. Exactly
 * one caller's UPDATE matches; a concurrent one blocks only for that statement and then finds
 * it used, so nobody waits for the winner's Stripe calls. A spent state stays spent whatever
 * happens next (an OAuth code is single-use at Stripe anyway): the operator starts again at
 * /onboard.
 */
export async function spendState(pool: Pool, payload: StatePayload): Promise<void> {
  const { rowCount } = await pool.query(
    `UPDATE np_stripe_oauth_states SET used_at = now()
     WHERE nonce = $1 AND tenant_id = $2 AND entity_id = $3 AND purpose = $4 AND used_at IS NULL AND expires_at > now()
     RETURNING nonce`,
    [payload.nonce, payload.tenant, payload.entity, payload.purpose],
  );
  if (rowCount !== 1) throw invalidState('already used or unknown');
}
