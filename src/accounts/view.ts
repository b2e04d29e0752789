import type { Config } from '../config.js';
import { dashboardUrl } from './dashboard.js';
import type { AccountRow } from './repository.js';

/** The public face of an account row (GET /account, disconnect): no token, ever. */
export interface AccountView {
  entity_id: string;
  account_id: string | null;
  status: string;
  connected_via: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  requirements_due: string[];
  /** When Stripe needs what is due, else it disables the account (ISO), null when nothing is pending. */
  requirements_deadline: string | null;
  livemode: boolean;
  dashboard_url: string | null;
  created_at: string;
  updated_at: string;
  deauthorized_at: string | null;
}

export function accountView(config: Config, row: AccountRow): AccountView {
  return {
    entity_id: row.entity_id,
    account_id: row.stripe_account_id,
    status: row.status,
    connected_via: row.connected_via,
    charges_enabled: row.charges_enabled,
    payouts_enabled: row.payouts_enabled,
    details_submitted: row.details_submitted,
    requirements_due: row.requirements_due,
    requirements_deadline: row.requirements_deadline?.toISOString() ?? null,
    livemode: row.livemode,
    dashboard_url: dashboardUrl(config.stripe.mode, row.stripe_account_id),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    deauthorized_at: row.deauthorized_at?.toISOString() ?? null,
  };
}
