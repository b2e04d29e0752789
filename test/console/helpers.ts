import type { Pool } from '../../src/db/pool.js';
import { TEST_ENV } from '../helpers/config.js';

export const TENANT_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
export const TENANT_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
export const BOUND_ADMIN = 'console-bound-admin-token-aaaaaaaaaaaa';
export const CHECK = 'console-check-token-cccccccccccccccccc';
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const ADMIN = bearer(TEST_ENV.NSELF_BEARER_TOKEN.split(',')[0]!);

/** Admin tokens as the console meets them: one for every tenant, one bound to tenant A; and a check token. */
export const TOKENS_ENV = {
  NSELF_BEARER_TOKEN: `${TEST_ENV.NSELF_BEARER_TOKEN},${TENANT_A}:${BOUND_ADMIN}`,
  NSELF_CHECK_TOKEN: CHECK,
};

export async function seedAccount(
  pool: Pool,
  row: { tenantId: string; entityId: string; accountId: string | null; status?: string; requirementsDue?: string[] },
): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_accounts (tenant_id, entity_id, stripe_account_id, connected_via, status, charges_enabled, requirements_due)
     VALUES ($1, $2, $3, 'account_link', $4, $4 = 'active', $5)`,
    [row.tenantId, row.entityId, row.accountId, row.status ?? 'active', row.requirementsDue ?? []],
  );
}

export async function seedGrant(
  pool: Pool,
  row: { tenantId: string; entityId: string; capability: string; sourceType: 'subscription' | 'payment' | 'manual'; sourceId: string; accountId?: string | null; status?: string; allowed?: boolean },
): Promise<void> {
  await pool.query(
    `INSERT INTO np_stripe_entitlements (tenant_id, entity_id, capability, source_type, source_id, status, allowed, stripe_account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.tenantId, row.entityId, row.capability, row.sourceType, row.sourceId, row.status ?? 'active', row.allowed ?? true, row.accountId ?? null],
  );
}
