import { findAccountByEntity } from '../accounts/repository.js';
import type { Queryable } from '../db/pool.js';
import { Conflict, NotFound } from '../http/errors.js';

export interface SellingAccount {
  entityId: string;
  stripeAccountId: string;
}

/** The operator's connected account, if it exists and can take payments now (404 / 409 otherwise). */
export async function sellingAccountOf(q: Queryable, tenantId: string, entityId: string): Promise<SellingAccount> {
  const row = await findAccountByEntity(q, tenantId, entityId);
  if (!row) throw new NotFound(`No connected account for ${entityId}`, { entity_id: entityId });
  if (row.stripe_account_id === null || row.status === 'deauthorized' || !row.charges_enabled) {
    throw new Conflict(
      `The connected account of ${entityId} cannot take payments yet`,
      { entity_id: entityId, status: row.status, charges_enabled: row.charges_enabled },
      'account_not_ready',
    );
  }
  return { entityId, stripeAccountId: row.stripe_account_id };
}
