import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import { withTransaction, type Tx } from '../db/transaction.js';
import { attachCreatedAccount, ensurePendingRow, findAccountByEntity, type AccountRow } from './repository.js';
import { expressLoginLink, mintAccountLink, oauthAuthorizeUrl, type OnboardingUrl } from './links.js';
import { snapshotOf } from './status.js';
import { readAccount } from '../stripe/objects/account.js';

export type OnboardMode = 'account_link' | 'oauth';

export interface OnboardRequest {
  tenantId: string;
  entityId: string;
  email: string | null;
  country: string | null;
  returnUrl: string | null;
  mode: OnboardMode;
}

export interface OnboardResult {
  url: string;
  mode: OnboardMode | 'login_link';
  account_id?: string;
  expires_at: string;
}

function result(link: OnboardingUrl, mode: OnboardResult['mode'], accountId: string | null): OnboardResult {
  return { url: link.url, mode, ...(accountId ? { account_id: accountId } : {}), expires_at: link.expiresAt.toISOString() };
}

/**
 * Stripe's half of "create the account once": the same key for the same entity replays the
 * first creation. Hashed because keys are capped at 255 characters and entity ids may be long;
 * a disconnected entity gets a new generation so it can be given a fresh account.
 */
export function accountIdempotencyKey(tenantId: string, entityId: string, generation: string): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${entityId}\u0000${generation}`).digest('hex');
  return `nself-onboard-account:${digest}`;
}

/**
 * The entity's Express account, created at most once. The row (committed beforehand) is
 * locked for the Stripe call, so concurrent callers wait and then reuse what the first made.
 */
async function ensureExpressAccount(tx: Tx, ctx: AppContext, req: OnboardRequest): Promise<AccountRow> {
  const row = (await findAccountByEntity(tx, req.tenantId, req.entityId, true))!;
  if (row.stripe_account_id && row.status !== 'deauthorized') return row;
  const generation = row.deauthorized_at ? String(row.deauthorized_at.getTime()) : '0';
  const account = await ctx.stripe.accounts.create(
    {
      type: 'express',
      ...(row.email ?? req.email ? { email: (row.email ?? req.email)! } : {}),
      ...(row.country ?? req.country ? { country: (row.country ?? req.country)! } : {}),
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { nself_tenant_id: req.tenantId, nself_entity_id: req.entityId },
    },
    { idempotencyKey: accountIdempotencyKey(req.tenantId, req.entityId, generation) },
  );
  // An account made with a live key is live (the Account object itself carries no livemode).
  const created = readAccount(account, `account ${account.id} as created by Stripe`);
  return attachCreatedAccount(tx, row.id, account.id, snapshotOf(created, ctx.config.stripe.mode === 'live'));
}

/** POST /onboard: an Account Link, an OAuth authorize URL, or for an active account its dashboard. */
export async function startOnboarding(ctx: AppContext, req: OnboardRequest): Promise<OnboardResult> {
  const existing = await findAccountByEntity(ctx.pool, req.tenantId, req.entityId);
  if (existing?.status === 'active' && existing.stripe_account_id) {
    return result(await expressLoginLink(ctx, existing.stripe_account_id), 'login_link', existing.stripe_account_id);
  }
  if (req.mode === 'oauth') {
    const link = await oauthAuthorizeUrl(ctx.pool, ctx, { ...req, email: req.email ?? existing?.email ?? null });
    return result(link, 'oauth', null);
  }
  // Committed before Stripe is called: an account.updated overtaking this request links the new
  // account only to such a row (SPEC §5, Trust).
  await ensurePendingRow(ctx.pool, req);
  const row = await withTransaction(ctx.pool, (tx) => ensureExpressAccount(tx, ctx, req));
  const accountId = row.stripe_account_id!;
  // The state's nonce commits only with a link handed out: a failed Stripe call leaves no orphan.
  const link = await withTransaction(ctx.pool, (tx) => mintAccountLink(tx, ctx, { ...req, accountId }));
  return result(link, 'account_link', accountId);
}
