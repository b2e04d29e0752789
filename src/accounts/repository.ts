import type { Queryable } from '../db/pool.js';
import type { AccountSnapshot, AccountStatus } from './status.js';

export type ConnectedVia = 'account_link' | 'oauth';

/** A connected account row as the service reads it: never the token columns. */
export interface AccountRow {
  id: string;
  tenant_id: string;
  entity_id: string;
  stripe_account_id: string | null;
  connected_via: ConnectedVia;
  status: AccountStatus;
  email: string | null;
  country: string | null;
  details_submitted: boolean;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  requirements_due: string[];
  disabled_reason: string | null;
  requirements_deadline: Date | null;
  livemode: boolean;
  last_event_created: Date | null;
  deauthorized_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, tenant_id, entity_id, stripe_account_id, connected_via, status, email, country,
  details_submitted, charges_enabled, payouts_enabled, requirements_due, disabled_reason, requirements_deadline, livemode,
  last_event_created, deauthorized_at, created_at, updated_at`;

export async function findAccountByEntity(q: Queryable, tenantId: string, entityId: string, lock = false): Promise<AccountRow | null> {
  const { rows } = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM np_stripe_accounts WHERE tenant_id = $1 AND entity_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, entityId],
  );
  return rows[0] ?? null;
}

export async function findAccountByStripeId(q: Queryable, accountId: string, lock = false): Promise<AccountRow | null> {
  const { rows } = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM np_stripe_accounts WHERE stripe_account_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [accountId],
  );
  return rows[0] ?? null;
}

/** The database half of "create the account once": the first caller inserts, the rest find it. */
export async function ensurePendingRow(
  q: Queryable,
  row: { tenantId: string; entityId: string; email: string | null; country: string | null },
): Promise<void> {
  await q.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, connected_via, status, email, country)
     VALUES ($1, $2, 'account_link', 'pending', $3, $4)
     ON CONFLICT (tenant_id, entity_id) DO NOTHING`,
    [row.tenantId, row.entityId, row.email, row.country],
  );
}

/** Points the row at a freshly created Express account, starting its state over. */
export async function attachCreatedAccount(q: Queryable, rowId: string, accountId: string, snapshot: AccountSnapshot): Promise<AccountRow> {
  const { rows } = await q.query<AccountRow>(
    `UPDATE np_stripe_accounts SET stripe_account_id = $2, connected_via = 'account_link', status = 'pending',
       details_submitted = $3, charges_enabled = $4, payouts_enabled = $5, requirements_due = $6, disabled_reason = $7,
       livemode = $8, requirements_deadline = $9, access_token = NULL, refresh_token = NULL, tokens_encrypted = false, oauth_scope = NULL,
       last_event_created = NULL, deauthorized_at = NULL, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [rowId, accountId, ...snapshotParams(snapshot)],
  );
  return rows[0]!;
}

function snapshotParams(s: AccountSnapshot): unknown[] {
  return [s.detailsSubmitted, s.chargesEnabled, s.payoutsEnabled, s.requirementsDue, s.disabledReason, s.livemode, s.requirementsDeadline];
}

/**
 * Records Stripe's view of the account. `eventCreated` (null for a direct fetch) only moves
 * the ordering mark forward, so a fetch never makes a later older event look new.
 */
export async function saveSnapshot(
  q: Queryable,
  rowId: string,
  snapshot: AccountSnapshot,
  status: AccountStatus,
  eventCreated: Date | null,
): Promise<AccountRow> {
  const { rows } = await q.query<AccountRow>(
    `UPDATE np_stripe_accounts SET details_submitted = $2, charges_enabled = $3, payouts_enabled = $4,
       requirements_due = $5, disabled_reason = $6, livemode = $7, requirements_deadline = $8, status = $9,
       email = COALESCE($10, email), country = COALESCE($11, country),
       last_event_created = GREATEST(last_event_created, $12::timestamptz),
       deauthorized_at = CASE WHEN $9 = 'deauthorized' THEN deauthorized_at END, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [rowId, ...snapshotParams(snapshot), status, snapshot.email, snapshot.country, eventCreated],
  );
  return rows[0]!;
}

/**
 * Links an account that Stripe told us about before /onboard recorded its id: only a row
 * /onboard committed before calling Stripe, still without an account, is filled in. Null when
 * there is none (an entity never onboarded, or already linked): no row is ever created here.
 */
export async function linkPendingAccount(
  q: Queryable,
  link: { tenantId: string; entityId: string; accountId: string },
): Promise<AccountRow | null> {
  const { rows } = await q.query<AccountRow>(
    `UPDATE np_stripe_accounts SET stripe_account_id = $3, updated_at = now()
      WHERE tenant_id = $1 AND entity_id = $2 AND stripe_account_id IS NULL
      RETURNING ${COLUMNS}`,
    [link.tenantId, link.entityId, link.accountId],
  );
  return rows[0] ?? null;
}

/** Deauthorized, tokens erased. A second call changes nothing (not even updated_at). */
export async function markDeauthorized(q: Queryable, accountId: string): Promise<void> {
  await q.query(
    `UPDATE np_stripe_accounts SET status = 'deauthorized', access_token = NULL, refresh_token = NULL,
       tokens_encrypted = false, deauthorized_at = COALESCE(deauthorized_at, now()), updated_at = now()
     WHERE stripe_account_id = $1
       AND (status <> 'deauthorized' OR access_token IS NOT NULL OR refresh_token IS NOT NULL OR deauthorized_at IS NULL)`,
    [accountId],
  );
}
