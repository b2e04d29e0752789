/** The JSON answers the console reads, as the routes define them (see the README's Console section). */

export interface Page<T, C> {
  data: T[];
  next_cursor: string | null;
  counts: C;
}

export interface Operator {
  entity_id: string;
  account_id: string | null;
  status: string;
  connected_via: string;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  requirements_due: string[];
  requirements_deadline: string | null;
  disabled_reason: string | null;
  dashboard_url: string | null;
  updated_at: string;
}

export interface OperatorCounts {
  by_status: Record<string, number>;
  requirements_due: number;
}

export interface Grant {
  entity_id: string;
  capability: string;
  source_type: 'subscription' | 'payment' | 'manual';
  source_id: string;
  status: string;
  allowed: boolean;
  quantity: number;
  period_end: string | null;
  payment_failed: boolean;
  account_id: string | null;
  note: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  cached_at: string;
  dashboard_url: string | null;
}

export interface GrantCounts {
  by_status: Record<string, number>;
  allowing: number;
  payment_failed: number;
}

export interface StoredEvent {
  id: string;
  tenant_id: string;
  channel: 'platform' | 'connect';
  type: string;
  account: string | null;
  created: string;
  status: 'processed' | 'ignored' | 'failed';
  ignored_reason: string | null;
  attempts: number;
  last_error: string | null;
  received_at: string;
  payload?: unknown;
}

export interface OnboardAnswer {
  url: string;
  mode: string;
  account_id?: string;
  expires_at: string;
}

export interface Bucket {
  start: string;
  end: string;
  counts: Record<string, number>;
}

export interface Series {
  series: string[];
  total: Record<string, number>;
  buckets: Bucket[];
}

export interface MetricsSummary {
  bucket_seconds: number;
  since: string;
  webhook_events: Series;
  entitlement_checks: Series;
}
