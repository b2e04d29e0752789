-- Webhook ingest at the database's pace (issue 9): one statement applies a batch of verified
-- events, each resolved, claimed, applied under SPEC §5's ordering rules and recorded, in the
-- transaction of that one statement. The TypeScript handlers stay the reference and the slow
-- path: anything that needs Stripe (a same-second tie, an invoice before any subscription
-- event) is answered 'slow' here with nothing written, and goes through them outside the batch.
-- Each event arrives decoded by src/webhooks/ingest-intent.ts (the same metadata and state
-- functions the handlers use) together with its payload.

-- Grant changes inside a batch announce themselves once per batch: the row trigger only
-- gathers keys while np_stripe.notify_batched is on, and the batch sends one NOTIFY. Every
-- other writer still notifies per row. NOTIFY takes a cluster-wide lock through commit, so
-- one per batch instead of one per row is what lets batches commit back to back.
CREATE OR REPLACE FUNCTION np_stripe_entitlements_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  key text;
  batched boolean := coalesce(current_setting('np_stripe.notify_batched', true) = 'on', false);
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  key := json_build_array(r.tenant_id, r.entity_id, r.capability)::text;
  IF NOT batched THEN
    PERFORM pg_notify('np_stripe_entitlement_changes', key);
  END IF;
  PERFORM np_stripe_note_changed_grant(key);
  IF TG_OP = 'UPDATE' AND (OLD.entity_id, OLD.capability) IS DISTINCT FROM (NEW.entity_id, NEW.capability) THEN
    key := json_build_array(OLD.tenant_id, OLD.entity_id, OLD.capability)::text;
    IF NOT batched THEN
      PERFORM pg_notify('np_stripe_entitlement_changes', key);
    END IF;
    PERFORM np_stripe_note_changed_grant(key);
  END IF;
  RETURN NULL;
END
$$;

-- One NOTIFY for every key a batch changed: a JSON array of [tenant, entity, capability]. Past
-- pg_notify's 8,000-byte limit (or when the keys were too many to gather) it says '*': every
-- listener drops everything it cached.
CREATE FUNCTION np_stripe_notify_changed_grants(seen text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  payload text;
BEGIN
  IF seen IS NULL OR seen = '' THEN
    RETURN;
  END IF;
  IF seen <> '*' THEN
    SELECT '[' || string_agg(DISTINCT k, ',') || ']' INTO payload FROM unnest(string_to_array(seen, E'\n')) AS k;
  END IF;
  IF payload IS NULL OR octet_length(payload) >= 7900 THEN
    payload := '*';
  END IF;
  PERFORM pg_notify('np_stripe_entitlement_changes', payload);
END
$$;

-- The text of a np_stripe_notifications payload, byte for byte as src/notify.ts writes it: the
-- intent brings the fields after tenant_id already bounded, the tenant and a count come from here.
CREATE FUNCTION np_stripe_notification(p_kind text, p_tenant uuid, p_event text, p_body text, p_count integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN octet_length(f.full_text) < 7900 THEN f.full_text
              ELSE '{"kind":' || to_json(left(p_kind, 255))::text || ',"tenant_id":"' || p_tenant || '","event_id":'
                   || to_json(left(p_event, 255))::text || '}' END
    FROM (SELECT '{"kind":' || to_json(p_kind)::text || ',"tenant_id":"' || p_tenant || '",' || p_body
                 || coalesce(',"grants_flagged":' || p_count, '') || '}' AS full_text) f
$$;

-- np_stripe_payments as upsertPaymentRecord writes it: status follows the newest event, refunded amounts only grow.
CREATE FUNCTION np_stripe_ingest_payment_record(p_tenant uuid, p_created timestamptz, r jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO np_stripe_payments AS p (id, tenant_id, kind, stripe_account_id, payment_intent_id, entity_id, amount,
    amount_refunded, currency, status, destination, last_event_created)
  VALUES (r->>'id', p_tenant, r->>'kind', r->>'account', r->>'pi', r->>'entity', (r->>'amount')::bigint,
    (r->>'refunded')::bigint, r->>'currency', r->>'status', r->>'destination', p_created)
  ON CONFLICT (id) DO UPDATE SET
    stripe_account_id = COALESCE(p.stripe_account_id, EXCLUDED.stripe_account_id),
    payment_intent_id = COALESCE(p.payment_intent_id, EXCLUDED.payment_intent_id),
    entity_id = COALESCE(p.entity_id, EXCLUDED.entity_id),
    amount = GREATEST(p.amount, EXCLUDED.amount),
    amount_refunded = GREATEST(p.amount_refunded, EXCLUDED.amount_refunded),
    currency = COALESCE(p.currency, EXCLUDED.currency),
    destination = COALESCE(p.destination, EXCLUDED.destination),
    status = CASE WHEN p.last_event_created IS NULL OR p.last_event_created <= EXCLUDED.last_event_created
                  THEN EXCLUDED.status ELSE p.status END,
    last_event_created = GREATEST(p.last_event_created, EXCLUDED.last_event_created),
    updated_at = now()
$$;

-- grantPurchase: what a completed checkout or a succeeded payment bought. An existing grant keeps
-- its state; only the purchase's references are filled in, and only under the same account.
CREATE FUNCTION np_stripe_ingest_purchase(p_tenant uuid, p_acct text, g jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_refunded boolean := g->>'source_type' = 'payment' AND EXISTS (
    SELECT 1 FROM np_stripe_payments p
     WHERE p.payment_intent_id = g->>'source_id' AND p.kind = 'charge' AND p.amount > 0 AND p.amount_refunded >= p.amount);
BEGIN
  INSERT INTO np_stripe_entitlements AS e (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
    stripe_account_id, stripe_customer_id, checkout_session_id, cached_at, revoked_at)
  SELECT p_tenant, g->>'entity', c, g->>'source_type', g->>'source_id',
         CASE WHEN g->>'source_type' = 'subscription' THEN 'active' WHEN v_refunded THEN 'refunded' ELSE 'paid' END,
         NOT v_refunded, p_acct, g->>'customer', g->>'session', now(), CASE WHEN v_refunded THEN now() END
    FROM jsonb_array_elements_text(g->'caps') AS c
   ORDER BY c
  ON CONFLICT (tenant_id, entity_id, capability, source_id) DO UPDATE SET
    stripe_customer_id = COALESCE(e.stripe_customer_id, EXCLUDED.stripe_customer_id),
    checkout_session_id = COALESCE(e.checkout_session_id, EXCLUDED.checkout_session_id),
    updated_at = now()
  WHERE e.stripe_account_id IS NOT DISTINCT FROM EXCLUDED.stripe_account_id;
END
$$;

-- syncGrantsFromSubscription for an event: the grants of the subscription under this account
-- (locked, in a fixed order) and those its metadata names follow its state, unless stored state
-- is newer; a revoked grant only takes another terminal state. 'slow' when a grant holds state
-- of the very same second (Stripe decides); 'abort' when such a grant appeared while this event
-- was being written (a concurrent insert): the batch is undone and run again without it.
CREATE FUNCTION np_stripe_ingest_subscription(p_tenant uuid, p_acct text, p_created timestamptz, x jsonb,
  OUT result text, OUT reason text, OUT note text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sub text := x->>'sub';
  v_terminal boolean := (x->>'terminal')::boolean;
  v_stored_e text[];
  v_stored_c text[];
  v_tie boolean;
  v_keys integer;
  v_changed_e text[];
  v_changed_c text[];
BEGIN
  SELECT array_agg(s.entity_id), array_agg(s.capability), coalesce(bool_or(s.revoked_at IS NULL AND s.last_event_created = p_created), false)
    INTO v_stored_e, v_stored_c, v_tie
    FROM (SELECT g.entity_id, g.capability, g.revoked_at, g.last_event_created FROM np_stripe_entitlements g
           WHERE g.tenant_id = p_tenant AND g.source_type = 'subscription' AND g.source_id = v_sub
             AND g.stripe_account_id IS NOT DISTINCT FROM p_acct
           ORDER BY g.entity_id, g.capability FOR UPDATE) s;
  IF v_tie AND NOT v_terminal THEN
    result := 'slow';
    RETURN;
  END IF;

  WITH keys AS (
    SELECT k.entity_id, k.capability FROM unnest(v_stored_e, v_stored_c) AS k(entity_id, capability)
    UNION
    SELECT x->>'entity', c FROM jsonb_array_elements_text(x->'caps') AS c WHERE x->>'entity' IS NOT NULL
  ), written AS (
    INSERT INTO np_stripe_entitlements AS g (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
      quantity, current_period_end, stripe_account_id, stripe_customer_id, cached_at, last_event_created, revoked_at)
    SELECT p_tenant, k.entity_id, k.capability, 'subscription', v_sub, x->>'status', (x->>'allowed')::boolean,
           (x->>'quantity')::integer, to_timestamp((x->>'period_end')::double precision), p_acct, x->>'customer', now(),
           p_created, CASE WHEN v_terminal THEN now() END
      FROM keys k ORDER BY k.entity_id, k.capability
    ON CONFLICT (tenant_id, entity_id, capability, source_id) DO UPDATE SET
      status = EXCLUDED.status,
      allowed = EXCLUDED.allowed,
      quantity = EXCLUDED.quantity,
      current_period_end = COALESCE(EXCLUDED.current_period_end, g.current_period_end),
      stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, g.stripe_customer_id),
      cached_at = now(),
      last_event_created = GREATEST(g.last_event_created, EXCLUDED.last_event_created),
      revoked_at = COALESCE(g.revoked_at, EXCLUDED.revoked_at),
      updated_at = now()
    WHERE g.stripe_account_id IS NOT DISTINCT FROM EXCLUDED.stripe_account_id
      AND (g.revoked_at IS NULL OR v_terminal)
      AND (v_terminal OR g.last_event_created IS NULL OR g.last_event_created < EXCLUDED.last_event_created)
    RETURNING g.entity_id, g.capability
  )
  SELECT (SELECT count(*) FROM keys), array_agg(w.entity_id), array_agg(w.capability)
    INTO v_keys, v_changed_e, v_changed_c FROM written w;

  IF v_keys = 0 THEN
    result := 'ignored';
    reason := 'no_entitlement_metadata';
    RETURN;
  END IF;
  IF NOT v_terminal AND coalesce(cardinality(v_changed_e), 0) < v_keys AND EXISTS (
       SELECT 1 FROM np_stripe_entitlements g
        WHERE g.tenant_id = p_tenant AND g.source_type = 'subscription' AND g.source_id = v_sub
          AND g.stripe_account_id IS NOT DISTINCT FROM p_acct AND g.revoked_at IS NULL AND g.last_event_created = p_created
          AND (g.entity_id, g.capability) NOT IN (SELECT * FROM unnest(v_changed_e, v_changed_c))) THEN
    result := 'abort';
    RETURN;
  END IF;
  result := 'processed';
END
$$;

-- applyInvoiceEvent: the payment-failed flag of the subscription's grants follows the newest
-- invoice event. No grant yet (they are made from the subscription as Stripe has it) or a
-- same-second tie (Stripe's current invoice decides): 'slow'.
CREATE FUNCTION np_stripe_ingest_invoice(p_tenant uuid, p_acct text, p_event text, p_created timestamptz, x jsonb,
  OUT result text, OUT reason text, OUT note text)
LANGUAGE plpgsql AS $$
DECLARE
  v_sub text := x->>'sub';
  v_failed boolean := (x->>'failed')::boolean;
  v_grants integer;
  v_tie boolean;
  v_flagged integer;
BEGIN
  SELECT count(*), coalesce(bool_or(s.payment_event_created = p_created), false) INTO v_grants, v_tie
    FROM (SELECT g.payment_event_created FROM np_stripe_entitlements g
           WHERE g.tenant_id = p_tenant AND g.source_type = 'subscription' AND g.source_id = v_sub
             AND g.stripe_account_id IS NOT DISTINCT FROM p_acct
           ORDER BY g.entity_id, g.capability FOR UPDATE) s;
  IF v_grants = 0 OR v_tie THEN
    result := 'slow';
    RETURN;
  END IF;
  WITH flagged AS (
    UPDATE np_stripe_entitlements g SET payment_failed = v_failed, payment_event_created = p_created, updated_at = now()
     WHERE g.tenant_id = p_tenant AND g.source_type = 'subscription' AND g.source_id = v_sub
       AND g.stripe_account_id IS NOT DISTINCT FROM p_acct
       AND (g.payment_event_created IS NULL OR g.payment_event_created < p_created)
    RETURNING 1
  )
  SELECT count(*) INTO v_flagged FROM flagged;
  IF v_flagged > 0 AND v_failed THEN
    note := np_stripe_notification('invoice.payment_failed', p_tenant, p_event, x->>'note', v_flagged);
    PERFORM pg_notify('np_stripe_notifications', note);
  END IF;
  result := 'processed';
END
$$;

-- applyAccountUpdated: our row for the account (a row /onboard recorded and has not linked yet is
-- linked), then status, flags and requirements unless the stored state is newer; a tie: 'slow'.
CREATE FUNCTION np_stripe_ingest_account_updated(p_created timestamptz, p_live boolean, x jsonb,
  OUT result text, OUT reason text, OUT note text)
LANGUAGE plpgsql AS $$
DECLARE
  v_account text := x->>'object_id';
  v_id uuid;
  v_status text;
  v_last timestamptz;
  v_pending boolean := false;
BEGIN
  SELECT a.id, a.status, a.last_event_created INTO v_id, v_status, v_last
    FROM np_stripe_accounts a WHERE a.stripe_account_id = v_account FOR UPDATE;
  IF v_id IS NULL AND x->'operator'->>'tenant' IS NOT NULL THEN
    SELECT a.id, a.status, a.last_event_created INTO v_id, v_status, v_last
      FROM np_stripe_accounts a
     WHERE a.tenant_id = (x->'operator'->>'tenant')::uuid AND a.entity_id = x->'operator'->>'entity' AND a.stripe_account_id IS NULL
       FOR UPDATE;
    v_pending := v_id IS NOT NULL;
    IF NOT v_pending THEN
      -- /onboard linked it meanwhile.
      SELECT a.id, a.status, a.last_event_created INTO v_id, v_status, v_last
        FROM np_stripe_accounts a WHERE a.stripe_account_id = v_account FOR UPDATE;
    END IF;
  END IF;
  IF v_id IS NULL THEN
    result := 'ignored';
    reason := 'unknown_account';
    RETURN;
  END IF;
  IF v_last IS NOT NULL AND p_created = v_last THEN
    result := 'slow';
    RETURN;
  END IF;
  IF v_pending THEN
    UPDATE np_stripe_accounts SET stripe_account_id = v_account, updated_at = now() WHERE id = v_id;
  END IF;
  IF v_last IS NOT NULL AND p_created < v_last THEN
    result := 'ignored';
    reason := 'stale event';
    RETURN;
  END IF;
  -- deriveStatus with visited = true: deauthorized sticks; else active, restricted or onboarding.
  v_status := CASE
    WHEN v_status = 'deauthorized' THEN 'deauthorized'
    WHEN (x->>'charges')::boolean AND (x->>'payouts')::boolean AND x->>'disabled_reason' IS NULL THEN 'active'
    WHEN (x->>'details')::boolean THEN 'restricted'
    ELSE 'onboarding' END;
  UPDATE np_stripe_accounts SET details_submitted = (x->>'details')::boolean, charges_enabled = (x->>'charges')::boolean,
         payouts_enabled = (x->>'payouts')::boolean, requirements_due = ARRAY(SELECT jsonb_array_elements_text(x->'due')),
         disabled_reason = x->>'disabled_reason', livemode = p_live, status = v_status,
         email = COALESCE(x->>'email', email), country = COALESCE(x->>'country', country),
         last_event_created = GREATEST(last_event_created, p_created),
         deauthorized_at = CASE WHEN v_status = 'deauthorized' THEN deauthorized_at END, updated_at = now()
   WHERE id = v_id;
  result := 'processed';
END
$$;

-- applyAccountDeauthorized: deauthorized, tokens erased; the grants follow (migration 005).
CREATE FUNCTION np_stripe_ingest_deauthorized(p_acct text, OUT result text, OUT reason text, OUT note text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM np_stripe_accounts WHERE stripe_account_id = p_acct FOR UPDATE;
  IF NOT FOUND THEN
    result := 'ignored';
    reason := 'unknown_account';
    RETURN;
  END IF;
  UPDATE np_stripe_accounts SET status = 'deauthorized', access_token = NULL, refresh_token = NULL,
         tokens_encrypted = false, deauthorized_at = COALESCE(deauthorized_at, now()), updated_at = now()
   WHERE stripe_account_id = p_acct
     AND (status <> 'deauthorized' OR access_token IS NOT NULL OR refresh_token IS NOT NULL OR deauthorized_at IS NULL);
  result := 'processed';
END
$$;

-- Payment intents, refunds, disputes and transfers (handlers/payments.ts).
CREATE FUNCTION np_stripe_ingest_payment(p_type text, p_tenant uuid, p_acct text, p_event text, p_created timestamptz, x jsonb,
  OUT result text, OUT reason text, OUT note text)
LANGUAGE plpgsql AS $$
BEGIN
  IF p_type = 'charge.dispute.created' THEN
    INSERT INTO np_stripe_payments AS p (id, tenant_id, kind, stripe_account_id, payment_intent_id, amount, currency,
      status, disputed, dispute_id)
    VALUES (x->>'charge', p_tenant, 'charge', p_acct, x->>'pi', (x->>'amount')::bigint, x->>'currency', 'disputed', true, x->>'dispute')
    ON CONFLICT (id) DO UPDATE SET
      disputed = true,
      dispute_id = EXCLUDED.dispute_id,
      payment_intent_id = COALESCE(p.payment_intent_id, EXCLUDED.payment_intent_id),
      stripe_account_id = COALESCE(p.stripe_account_id, EXCLUDED.stripe_account_id),
      updated_at = now();
    note := np_stripe_notification('charge.dispute.created', p_tenant, p_event, x->>'note', NULL);
    PERFORM pg_notify('np_stripe_notifications', note);
  ELSE
    PERFORM np_stripe_ingest_payment_record(p_tenant, p_created, x->'record');
    IF jsonb_typeof(x->'grant') = 'object' THEN
      PERFORM np_stripe_ingest_purchase(p_tenant, p_acct, x->'grant');
    END IF;
    -- A full refund: the grants that payment bought under this account stop allowing, for good.
    IF x->>'revoke' IS NOT NULL THEN
      UPDATE np_stripe_entitlements
         SET allowed = false, status = 'refunded', revoked_at = COALESCE(revoked_at, now()), cached_at = now(), updated_at = now()
       WHERE source_type = 'payment' AND source_id = x->>'revoke' AND stripe_account_id IS NOT DISTINCT FROM p_acct AND revoked_at IS NULL;
    END IF;
  END IF;
  result := 'processed';
END
$$;

-- One event: scope (SPEC §5, Trust: a Connect event belongs to our account row only), claim,
-- effect, outcome. Results: processed, ignored (reason), duplicate, slow (nothing written).
CREATE FUNCTION np_stripe_ingest_event(e jsonb, p_live boolean, p_default_tenant uuid,
  OUT result text, OUT reason text, OUT tenant uuid, OUT note text)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text := e->>'id';
  v_type text := e->>'type';
  v_acct text := e->>'account';
  v_route text := e->>'route';
  v_created timestamptz := to_timestamp((e->>'created')::double precision);
  v_standing text := 'none';
  v_ignore text;
  v_prior text;
  v_effect record;
BEGIN
  -- The account row is share-locked: a disconnect committing meanwhile waits, or is seen.
  IF v_route IS NOT NULL THEN
    SELECT a.tenant_id INTO tenant FROM np_stripe_accounts a WHERE a.stripe_account_id = v_route FOR SHARE;
    IF tenant IS NOT NULL AND v_acct IS NOT NULL THEN
      v_standing := 'known';
    END IF;
  END IF;
  IF tenant IS NULL THEN
    IF v_acct IS NULL THEN
      tenant := coalesce((e->>'meta_tenant')::uuid, p_default_tenant);
    ELSIF v_type = 'account.updated' AND e->'operator'->>'tenant' IS NOT NULL AND EXISTS (
        SELECT 1 FROM np_stripe_accounts a
         WHERE a.tenant_id = (e->'operator'->>'tenant')::uuid AND a.entity_id = e->'operator'->>'entity' AND a.stripe_account_id IS NULL) THEN
      tenant := (e->'operator'->>'tenant')::uuid;
      v_standing := 'claimable';
    ELSE
      tenant := p_default_tenant;
      v_standing := 'unknown';
    END IF;
  END IF;

  v_ignore := CASE
    -- A live Connect endpoint also receives test-mode events of connected accounts.
    WHEN jsonb_typeof(e->'live') IS DISTINCT FROM 'boolean' OR (e->'live')::boolean <> p_live THEN 'livemode_mismatch'
    WHEN v_type NOT IN ('payment_intent.succeeded', 'charge.refunded', 'charge.dispute.created', 'transfer.created',
                        'account.updated', 'account.application.deauthorized', 'checkout.session.completed',
                        'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
                        'invoice.payment_failed', 'invoice.paid') THEN 'unhandled_type'
    WHEN v_standing = 'unknown' THEN 'unknown_account'
    WHEN v_standing = 'claimable' AND v_type <> 'account.updated' THEN 'unknown_account'
    WHEN v_standing = 'known' AND e->>'named_tenant' IS NOT NULL AND e->>'named_tenant' <> tenant::text THEN 'tenant_mismatch'
    ELSE e->>'skip' END;

  -- A concurrent claim of the same id waits on the unique index until that one commits or rolls back.
  INSERT INTO np_stripe_processed_events (event_id, tenant_id, channel, type, stripe_account_id, livemode, event_created,
    outcome, ignored_reason, payload, payload_text, processed_at)
  VALUES (v_id, tenant, e->>'channel', v_type, v_acct, (e->'live')::boolean, v_created,
    CASE WHEN v_ignore IS NULL THEN 'processed' ELSE 'ignored' END, v_ignore, e->'payload', e->>'payload_text', now())
  ON CONFLICT (event_id) DO NOTHING;
  IF NOT FOUND THEN
    -- A failed attempt is retried through the pipeline, which keeps its attempt count.
    SELECT p.outcome INTO v_prior FROM np_stripe_processed_events p WHERE p.event_id = v_id;
    result := CASE WHEN v_prior IS NULL OR v_prior = 'failed' THEN 'slow' ELSE 'duplicate' END;
    RETURN;
  END IF;
  IF v_ignore IS NOT NULL THEN
    result := 'ignored';
    reason := v_ignore;
    RETURN;
  END IF;

  CASE
    WHEN v_type LIKE 'customer.subscription.%' THEN
      SELECT * INTO v_effect FROM np_stripe_ingest_subscription(tenant, v_acct, v_created, e->'x');
    WHEN v_type LIKE 'invoice.%' THEN
      SELECT * INTO v_effect FROM np_stripe_ingest_invoice(tenant, v_acct, v_id, v_created, e->'x');
    WHEN v_type = 'checkout.session.completed' THEN
      PERFORM np_stripe_ingest_purchase(tenant, v_acct, e->'x'->'grant');
      SELECT 'processed' AS result, NULL::text AS reason, NULL::text AS note INTO v_effect;
    WHEN v_type = 'account.updated' THEN
      SELECT * INTO v_effect FROM np_stripe_ingest_account_updated(v_created, (e->'live')::boolean, e->'x');
    WHEN v_type = 'account.application.deauthorized' THEN
      SELECT * INTO v_effect FROM np_stripe_ingest_deauthorized(v_acct);
    ELSE
      SELECT * INTO v_effect FROM np_stripe_ingest_payment(v_type, tenant, v_acct, v_id, v_created, e->'x');
  END CASE;

  IF v_effect.result = 'abort' THEN
    RAISE EXCEPTION 'event % needs the slow path', v_id USING ERRCODE = 'NS001', DETAIL = v_id;
  END IF;
  result := v_effect.result;
  reason := v_effect.reason;
  note := v_effect.note;
  IF result = 'slow' THEN
    -- Nothing of it was written but the claim: the pipeline claims it again.
    DELETE FROM np_stripe_processed_events WHERE event_id = v_id;
  ELSIF result = 'ignored' THEN
    UPDATE np_stripe_processed_events SET outcome = 'ignored', ignored_reason = reason WHERE event_id = v_id;
  END IF;
END
$$;

-- The batch: events in the order given, one NOTIFY of the changed grant keys, and those keys
-- returned (read-your-writes: the caller drops them from its own cache before answering).
CREATE FUNCTION np_stripe_ingest_events(p_batch jsonb, p_live boolean, p_default_tenant uuid,
  OUT outcomes text[], OUT reasons text[], OUT tenants text[], OUT notes text[], OUT changed_grants text)
LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  r record;
BEGIN
  PERFORM set_config('np_stripe.notify_batched', 'on', true);
  outcomes := '{}';
  reasons := '{}';
  tenants := '{}';
  notes := '{}';
  FOR e IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
    SELECT * INTO r FROM np_stripe_ingest_event(e, p_live, p_default_tenant);
    outcomes := array_append(outcomes, r.result);
    reasons := array_append(reasons, r.reason);
    tenants := array_append(tenants, r.tenant::text);
    notes := array_append(notes, r.note);
  END LOOP;
  PERFORM set_config('np_stripe.notify_batched', '', true);
  changed_grants := current_setting('np_stripe.changed_grants', true);
  PERFORM np_stripe_notify_changed_grants(changed_grants);
END
$$;
