import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { Conflict } from '../http/errors.js';
import type { AccountRow } from './repository.js';
import type { AccountSnapshot, AccountStatus } from './status.js';
import { encryptToken } from './token-cipher.js';

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  scope: string | null;
  livemode: boolean;
}

export interface OAuthLink {
  tenantId: string;
  entityId: string;
  accountId: string;
  tokens: OAuthTokens;
  snapshot: AccountSnapshot;
  status: AccountStatus;
}

/** The key that encrypts tokens at rest; plaintext storage is refused outside test mode. */
function tokenKey(config: Config): string | null {
  if (config.encryptionKey) return config.encryptionKey;
  if (config.stripe.mode !== 'test') throw new Error('NSELF_DB_ENCRYPTION_KEY is required to store OAuth tokens in live mode');
  return null;
}

/** Bytes for the bytea column: ciphertext with a key, else (test mode) the plain UTF-8. */
async function tokenBytes(token: string, key: string | null): Promise<Buffer> {
  return key ? encryptToken(token, key) : Buffer.from(token, 'utf8');
}

/** The token columns as stored. */
export interface SealedTokens {
  accessToken: Buffer;
  refreshToken: Buffer | null;
  encrypted: boolean;
}

/**
 * Encrypts the tokens for storage. The key derivation takes tens of milliseconds on purpose
 * (it guards the key against guessing), so callers seal before opening their transaction.
 */
export async function sealTokens(config: Config, tokens: OAuthTokens): Promise<SealedTokens> {
  const key = tokenKey(config);
  return {
    accessToken: await tokenBytes(tokens.accessToken, key),
    refreshToken: tokens.refreshToken === null ? null : await tokenBytes(tokens.refreshToken, key),
    encrypted: key !== null,
  };
}

// Tokens arrive already encrypted (./token-cipher.ts): with log_statement=all PostgreSQL logs
// every bound parameter, so neither the key nor a plaintext token may be one.
const UPSERT_OAUTH_LINK = `
  INSERT INTO np_stripe_accounts AS a (tenant_id, entity_id, stripe_account_id, connected_via, status, email, country,
    details_submitted, charges_enabled, payouts_enabled, requirements_due, disabled_reason, livemode,
    access_token, refresh_token, tokens_encrypted, oauth_scope, requirements_deadline)
  VALUES ($1, $2, $3, 'oauth', $4, $5, $6, $7, $8, $9, $10, $11, $12,
    $13::bytea, $14::bytea, $15, $16, $17)
  ON CONFLICT (tenant_id, entity_id) DO UPDATE SET stripe_account_id = EXCLUDED.stripe_account_id,
    connected_via = 'oauth', status = EXCLUDED.status, email = COALESCE(EXCLUDED.email, a.email),
    country = COALESCE(EXCLUDED.country, a.country), details_submitted = EXCLUDED.details_submitted,
    charges_enabled = EXCLUDED.charges_enabled, payouts_enabled = EXCLUDED.payouts_enabled,
    requirements_due = EXCLUDED.requirements_due, disabled_reason = EXCLUDED.disabled_reason,
    requirements_deadline = EXCLUDED.requirements_deadline, livemode = EXCLUDED.livemode, access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
    tokens_encrypted = EXCLUDED.tokens_encrypted, oauth_scope = EXCLUDED.oauth_scope,
    deauthorized_at = NULL, updated_at = now()
    WHERE a.stripe_account_id IS NULL OR a.stripe_account_id = EXCLUDED.stripe_account_id OR a.status = 'deauthorized'
  RETURNING a.id, a.tenant_id, a.entity_id, a.stripe_account_id, a.connected_via, a.status, a.email, a.country,
    a.details_submitted, a.charges_enabled, a.payouts_enabled, a.requirements_due, a.disabled_reason, a.requirements_deadline,
    a.livemode, a.last_event_created, a.deauthorized_at, a.created_at, a.updated_at`;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * Links an OAuth-connected account to its entity and stores its tokens (encrypted when a key
 * is set). An entity already connected to a different, still-authorized account is a conflict,
 * and so is an account that is already another entity's.
 */
export async function storeOAuthLink(q: Queryable, config: Config, link: OAuthLink, sealed?: SealedTokens): Promise<AccountRow> {
  const stored = sealed ?? (await sealTokens(config, link.tokens));
  const s = link.snapshot;
  const params = [
    link.tenantId,
    link.entityId,
    link.accountId,
    link.status,
    s.email,
    s.country,
    s.detailsSubmitted,
    s.chargesEnabled,
    s.payoutsEnabled,
    s.requirementsDue,
    s.disabledReason,
    link.tokens.livemode,
    stored.accessToken,
    stored.refreshToken,
    stored.encrypted,
    link.tokens.scope,
    s.requirementsDeadline,
  ];
  let rows: AccountRow[];
  try {
    ({ rows } = await q.query<AccountRow>(UPSERT_OAUTH_LINK, params));
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict('This Stripe account is linked to another entity', undefined, 'account_already_linked');
    throw err;
  }
  if (!rows[0]) throw new Conflict('This entity is already connected to another Stripe account', undefined, 'entity_already_connected');
  return rows[0];
}
