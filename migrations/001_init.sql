-- Initial schema: connected accounts, the entitlement cache, processed webhook events,
-- onboarding state nonces and the payment records the platform events keep.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE np_stripe_accounts (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id             uuid NOT NULL,
  entity_id             text NOT NULL,
  stripe_account_id     text UNIQUE,
  connected_via         text NOT NULL CHECK (connected_via IN ('account_link', 'oauth')),
  status                text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'onboarding', 'restricted', 'active', 'deauthorized')),
  email                 text,
  country               text,
  details_submitted     boolean NOT NULL DEFAULT false,
  charges_enabled       boolean NOT NULL DEFAULT false,
  payouts_enabled       boolean NOT NULL DEFAULT false,
  requirements_due      text[] NOT NULL DEFAULT '{}',
  disabled_reason       text,
  livemode              boolean NOT NULL DEFAULT false,
  -- OAuth tokens: pgp_sym_encrypt output when NSELF_DB_ENCRYPTION_KEY is set,
  -- plain UTF-8 bytes only in test mode without a key (tokens_encrypted says which).
  access_token          bytea,
  refresh_token         bytea,
  tokens_encrypted      boolean NOT NULL DEFAULT false,
  oauth_scope           text,
  last_event_created    timestamptz,
  deauthorized_at       timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_id)
);

CREATE TABLE np_stripe_entitlements (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id             uuid NOT NULL,
  entity_id             text NOT NULL,
  capability            text NOT NULL,
  source_type           text NOT NULL CHECK (source_type IN ('subscription', 'payment', 'manual')),
  -- subscription id, payment intent id, or 'manual'
  source_id             text NOT NULL,
  status                text NOT NULL,
  allowed               boolean NOT NULL DEFAULT false,
  quantity              integer NOT NULL DEFAULT 1 CHECK (quantity >= 0),
  current_period_end    timestamptz,
  payment_failed        boolean NOT NULL DEFAULT false,
  stripe_account_id     text,
  stripe_customer_id    text,
  checkout_session_id   text,
  note                  text,
  cached_at             timestamptz NOT NULL DEFAULT now(),
  last_event_created    timestamptz,
  revoked_at            timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_id, capability, source_id)
);
CREATE INDEX np_stripe_entitlements_lookup ON np_stripe_entitlements (tenant_id, entity_id, capability);
CREATE INDEX np_stripe_entitlements_source ON np_stripe_entitlements (source_id);
CREATE INDEX np_stripe_entitlements_account ON np_stripe_entitlements (stripe_account_id);
CREATE INDEX np_stripe_entitlements_customer ON np_stripe_entitlements (stripe_customer_id);

CREATE TABLE np_stripe_processed_events (
  event_id              text PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  channel               text NOT NULL CHECK (channel IN ('platform', 'connect')),
  type                  text NOT NULL,
  stripe_account_id     text,
  livemode              boolean NOT NULL,
  event_created         timestamptz NOT NULL,
  outcome               text NOT NULL CHECK (outcome IN ('processed', 'ignored', 'failed')),
  ignored_reason        text,
  attempts              integer NOT NULL DEFAULT 1,
  last_error            text,
  payload               jsonb NOT NULL,
  received_at           timestamptz NOT NULL DEFAULT now(),
  processed_at          timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX np_stripe_processed_events_outcome ON np_stripe_processed_events (outcome, received_at);

CREATE TABLE np_stripe_oauth_states (
  nonce                 text PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  entity_id             text NOT NULL,
  purpose               text NOT NULL CHECK (purpose IN ('oauth', 'account_link')),
  return_url            text,
  expires_at            timestamptz NOT NULL,
  used_at               timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now()
);

-- Money movements the platform events report: payment intents, refunds, disputes, transfers.
CREATE TABLE np_stripe_payments (
  id                    text PRIMARY KEY,
  tenant_id             uuid NOT NULL,
  kind                  text NOT NULL CHECK (kind IN ('payment_intent', 'charge', 'transfer')),
  stripe_account_id     text,
  payment_intent_id     text,
  entity_id             text,
  amount                bigint NOT NULL DEFAULT 0,
  amount_refunded       bigint NOT NULL DEFAULT 0,
  currency              text,
  status                text NOT NULL,
  disputed              boolean NOT NULL DEFAULT false,
  dispute_id            text,
  destination           text,
  last_event_created    timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX np_stripe_payments_intent ON np_stripe_payments (payment_intent_id);
