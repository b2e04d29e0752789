import type { Queryable } from '../db/pool.js';
import { BadRequest, NotFound } from '../http/errors.js';
import type { GrantRow } from './grant-reads.js';

/**
 * Manual (comped) grants: access given by an admin that bypasses billing. One per
 * (tenant, entity, capability) with source_id 'manual'; Stripe never refreshes them.
 */

export interface ManualGrantInput {
  tenantId: string;
  entityId: string;
  capability: string;
  quantity: number;
  expiresAt: Date | null;
  note: string | null;
}

export interface ManualGrantView {
  tenant_id: string;
  entity_id: string;
  capability: string;
  source_type: 'manual';
  source_id: 'manual';
  status: string;
  allowed: boolean;
  quantity: number;
  expires_at: string | null;
  note: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

const RETURNING = `RETURNING tenant_id, entity_id, capability, status, allowed, quantity, expires_at, note, revoked_at,
  created_at, updated_at, (xmax = 0) AS inserted`;

type ManualRow = Pick<
  GrantRow,
  'tenant_id' | 'entity_id' | 'capability' | 'status' | 'allowed' | 'quantity' | 'expires_at' | 'note' | 'revoked_at' | 'created_at' | 'updated_at'
> & { inserted: boolean };

function view(row: ManualRow): ManualGrantView {
  return {
    tenant_id: row.tenant_id,
    entity_id: row.entity_id,
    capability: row.capability,
    source_type: 'manual',
    source_id: 'manual',
    status: row.status,
    allowed: row.allowed,
    quantity: row.quantity,
    expires_at: row.expires_at?.toISOString() ?? null,
    note: row.note,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Creates the manual grant, or updates (and revives) the one that exists. */
export async function putManualGrant(q: Queryable, input: ManualGrantInput): Promise<{ grant: ManualGrantView; created: boolean }> {
  if (input.expiresAt !== null && input.expiresAt.getTime() <= Date.now()) {
    throw new BadRequest('expires_at must be in the future', { field: 'expires_at' }, 'invalid_expiry');
  }
  const { rows } = await q.query<ManualRow>(
    `INSERT INTO np_stripe_entitlements AS g (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
       quantity, expires_at, note, cached_at)
     VALUES ($1, $2, $3, 'manual', 'manual', 'manual', true, $4, $5, $6, now())
     ON CONFLICT (tenant_id, entity_id, capability, source_id) DO UPDATE SET
       status = 'manual', allowed = true, quantity = EXCLUDED.quantity, expires_at = EXCLUDED.expires_at,
       note = EXCLUDED.note, revoked_at = NULL, cached_at = now(), updated_at = now()
     ${RETURNING}`,
    [input.tenantId, input.entityId, input.capability, input.quantity, input.expiresAt, input.note],
  );
  const row = rows[0]!;
  return { grant: view(row), created: row.inserted };
}

/** Revokes the manual grant; NotFound when there is no unrevoked one. */
export async function revokeManualGrant(q: Queryable, tenantId: string, entityId: string, capability: string): Promise<ManualGrantView> {
  const { rows } = await q.query<ManualRow>(
    `UPDATE np_stripe_entitlements SET status = 'revoked', allowed = false, revoked_at = now(), cached_at = now(), updated_at = now()
      WHERE tenant_id = $1 AND entity_id = $2 AND capability = $3 AND source_type = 'manual' AND revoked_at IS NULL
     ${RETURNING}`,
    [tenantId, entityId, capability],
  );
  if (!rows[0]) throw new NotFound(`No manual grant of ${capability} to ${entityId}`, { entity_id: entityId, capability });
  return view(rows[0]);
}
