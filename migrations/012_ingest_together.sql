-- Less of the database's CPU per event, the same effects. The ingest functions of migration 007
-- are called in ways PL/pgSQL evaluates without starting a query (`x := f(…)` instead of
-- `SELECT * INTO x FROM f(…)` or `PERFORM f(…)`, a condition with a subquery only when it
-- matters): each query started cost an event some 10–30 µs. And the subscription events that
-- nothing else in their batch touches are applied together, a few statements for all of them.

-- The changed-key bookkeeping of np_stripe_note_changed_grant, inline.
CREATE OR REPLACE FUNCTION np_stripe_entitlements_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  key text;
  seen text;
  batched boolean := coalesce(current_setting('np_stripe.notify_batched', true) = 'on', false);
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  key := json_build_array(r.tenant_id, r.entity_id, r.capability)::text;
  IF TG_OP = 'UPDATE' AND (OLD.entity_id, OLD.capability) IS DISTINCT FROM (NEW.entity_id, NEW.capability) THEN
    key := key || E'\n' || json_build_array(OLD.tenant_id, OLD.entity_id, OLD.capability)::text;
  END IF;
  IF NOT batched THEN
    PERFORM pg_notify('np_stripe_entitlement_changes', k) FROM unnest(string_to_array(key, E'\n')) AS k;
  END IF;
  -- Past 64 kB the keys say '*' (drop all).
  seen := current_setting('np_stripe.changed_grants', true);
  seen := CASE
    WHEN seen = '*' THEN '*'
    WHEN seen IS NULL OR seen = '' THEN key
    WHEN length(seen) > 65536 THEN '*'
    ELSE seen || E'\n' || key END;
  seen := set_config('np_stripe.changed_grants', seen, true);
  RETURN NULL;
END
$$;

-- A subscription's event (migration 007).
CREATE OR REPLACE FUNCTION np_stripe_ingest_subscription(p_tenant uuid, p_acct text, p_created timestamptz, x jsonb,
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
  -- Nested: a condition with a subquery runs as a query even when its first part is false.
  IF NOT v_terminal AND coalesce(cardinality(v_changed_e), 0) < v_keys THEN
    IF EXISTS (
         SELECT 1 FROM np_stripe_entitlements g
          WHERE g.tenant_id = p_tenant AND g.source_type = 'subscription' AND g.source_id = v_sub
            AND g.stripe_account_id IS NOT DISTINCT FROM p_acct AND g.revoked_at IS NULL AND g.last_event_created = p_created
            AND (g.entity_id, g.capability) NOT IN (SELECT * FROM unnest(v_changed_e, v_changed_c))) THEN
      result := 'abort';
      RETURN;
    END IF;
  END IF;
  result := 'processed';
END
$$;

-- One event (migration 007).
CREATE OR REPLACE FUNCTION np_stripe_ingest_event(e jsonb, p_live boolean, p_default_tenant uuid,
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
      v_effect := np_stripe_ingest_subscription(tenant, v_acct, v_created, e->'x');
    WHEN v_type LIKE 'invoice.%' THEN
      v_effect := np_stripe_ingest_invoice(tenant, v_acct, v_id, v_created, e->'x');
    WHEN v_type = 'checkout.session.completed' THEN
      PERFORM np_stripe_ingest_purchase(tenant, v_acct, e->'x'->'grant');
      SELECT 'processed' AS result, NULL::text AS reason, NULL::text AS note INTO v_effect;
    WHEN v_type = 'account.updated' THEN
      v_effect := np_stripe_ingest_account_updated(v_created, (e->'live')::boolean, e->'x');
    WHEN v_type = 'account.application.deauthorized' THEN
      v_effect := np_stripe_ingest_deauthorized(v_acct);
    ELSE
      v_effect := np_stripe_ingest_payment(v_type, tenant, v_acct, v_id, v_created, e->'x');
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

-- Subscription events that nothing else in their batch touches, applied together: a few
-- statements for all of them instead of several each. They qualify when the batch holds no
-- account event (their account's standing stays what it is), their account is ours and the
-- event is not one to ignore, the event id comes once, and no other event of the batch names
-- their subscription. Their grants are then rows no other event of the batch reads or writes,
-- so applying them before the others, in id order, leaves what applying the batch in order
-- leaves. Each step is np_stripe_ingest_event and np_stripe_ingest_subscription's, for many
-- events at once: claim, lock the subscription's grants (in id, entity, capability order),
-- hand a same-second tie to the pipeline, upsert, and settle ignored and abort.
CREATE FUNCTION np_stripe_ingest_subscriptions_together(p_batch jsonb, p_live boolean,
  OUT ids text[], OUT outcomes text[], OUT reasons text[], OUT tenants text[])
LANGUAGE plpgsql AS $$
DECLARE
  v_set jsonb;
  v_claimed text[];
  v_slow text[];
  v_lock_ids text[];
  v_lock_e text[];
  v_lock_c text[];
  v_key_ids text[];
  v_w_sub text[];
  v_w_e text[];
  v_w_c text[];
  v_abort text;
BEGIN
  ids := '{}';
  outcomes := '{}';
  reasons := '{}';
  tenants := '{}';
  IF jsonb_array_length(p_batch) < 2 OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_batch) e WHERE e->>'type' LIKE 'account.%') THEN
    RETURN;
  END IF;
  PERFORM 1 FROM np_stripe_accounts a
   WHERE a.stripe_account_id IN (SELECT DISTINCT e->>'route' FROM jsonb_array_elements(p_batch) e WHERE e->>'type' LIKE 'customer.subscription.%')
   ORDER BY a.stripe_account_id FOR SHARE;
  -- Small facts only: a payload is read from the batch once, by the claim.
  WITH ev AS (
    SELECT t.ord - 1 AS i, t.e->>'id' AS id, t.e->>'type' AS type, t.e->>'route' AS route, t.e->>'account' AS acct, t.e->'live' AS live,
           t.e->>'skip' AS skip, t.e->>'named_tenant' AS named, t.e->'x' AS x, t.e->'created' AS created, t.e->>'channel' AS channel,
           count(*) OVER (PARTITION BY t.e->>'id') AS copies
      FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS t(e, ord)
  ), refs AS (
    SELECT v.r, count(*) AS n FROM ev, LATERAL (VALUES (ev.x->>'sub'), (ev.x->'grant'->>'source_id')) AS v(r)
     WHERE v.r IS NOT NULL GROUP BY v.r
  )
  SELECT jsonb_agg(jsonb_build_object('i', ev.i, 'id', ev.id, 'type', ev.type, 'acct', ev.acct, 'live', ev.live, 'created', ev.created,
                                      'channel', ev.channel, 'x', ev.x, 'tenant', a.tenant_id) ORDER BY ev.id)
    INTO v_set
    FROM ev
    JOIN np_stripe_accounts a ON a.stripe_account_id = ev.route
    JOIN refs ON refs.r = ev.x->>'sub'
   WHERE ev.type LIKE 'customer.subscription.%' AND ev.acct IS NOT NULL AND ev.route = ev.acct
     AND jsonb_typeof(ev.live) = 'boolean' AND ev.live::boolean = p_live AND ev.skip IS NULL
     AND (ev.named IS NULL OR ev.named = a.tenant_id::text)
     AND ev.copies = 1 AND refs.n = 1;
  IF v_set IS NULL OR jsonb_array_length(v_set) < 2 THEN
    RETURN;
  END IF;

  -- Claim. A copy seen before is a duplicate; one whose earlier attempt failed (or that a
  -- concurrent attempt rolled back) is the pipeline's, which keeps the attempt count.
  WITH c AS (
    INSERT INTO np_stripe_processed_events (event_id, tenant_id, channel, type, stripe_account_id, livemode, event_created,
      outcome, ignored_reason, payload, payload_text, processed_at)
    SELECT s->>'id', (s->>'tenant')::uuid, s->>'channel', s->>'type', s->>'acct', (s->'live')::boolean,
           to_timestamp((s->>'created')::double precision), 'processed', NULL, f.e->'payload', f.e->>'payload_text', now()
      FROM jsonb_array_elements(v_set) s CROSS JOIN LATERAL (SELECT p_batch->((s->>'i')::integer) AS e) f
     ORDER BY s->>'id'
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
  )
  SELECT coalesce(array_agg(event_id), '{}') INTO v_claimed FROM c;

  -- The stored grants of each claimed event's subscription under its account, locked.
  SELECT coalesce(array_agg(l.id), '{}'), coalesce(array_agg(l.entity_id), '{}'), coalesce(array_agg(l.capability), '{}'),
         coalesce(array_agg(DISTINCT l.id) FILTER (WHERE l.tie AND NOT l.terminal), '{}')
    INTO v_lock_ids, v_lock_e, v_lock_c, v_slow
    FROM (SELECT s->>'id' AS id, g.entity_id, g.capability, (s->'x'->>'terminal')::boolean AS terminal,
                 (g.revoked_at IS NULL AND g.last_event_created = to_timestamp((s->>'created')::double precision)) AS tie
            FROM jsonb_array_elements(v_set) s
            -- Per event, by the grants' own index: a join the planner may turn into a scan of the table.
            CROSS JOIN LATERAL (
              SELECT g.entity_id, g.capability, g.revoked_at, g.last_event_created FROM np_stripe_entitlements g
               WHERE g.tenant_id = (s->>'tenant')::uuid AND g.source_type = 'subscription' AND g.source_id = s->'x'->>'sub'
                 AND g.stripe_account_id IS NOT DISTINCT FROM s->>'acct'
               ORDER BY g.entity_id, g.capability
                 OFFSET 0 FOR UPDATE) g
           WHERE s->>'id' = ANY (v_claimed)) l;
  -- A grant holding state of the very same second: Stripe decides, through the pipeline.
  IF cardinality(v_slow) > 0 THEN
    DELETE FROM np_stripe_processed_events WHERE event_id = ANY (v_slow);
  END IF;

  WITH ev AS (
    SELECT (s->>'tenant')::uuid AS tenant, s->'x' AS x, s->>'id' AS id, s->>'acct' AS acct,
           to_timestamp((s->>'created')::double precision) AS created, (s->'x'->>'terminal')::boolean AS terminal
      FROM jsonb_array_elements(v_set) s
     WHERE s->>'id' = ANY (v_claimed) AND NOT s->>'id' = ANY (v_slow)
  ), keys AS (
    SELECT l.id, l.entity_id, l.capability FROM unnest(v_lock_ids, v_lock_e, v_lock_c) AS l(id, entity_id, capability)
     WHERE NOT l.id = ANY (v_slow)
    UNION
    SELECT ev.id, ev.x->>'entity', c FROM ev, jsonb_array_elements_text(ev.x->'caps') AS c WHERE ev.x->>'entity' IS NOT NULL
  ), written AS (
    INSERT INTO np_stripe_entitlements AS g (tenant_id, entity_id, capability, source_type, source_id, status, allowed,
      quantity, current_period_end, stripe_account_id, stripe_customer_id, cached_at, last_event_created, revoked_at)
    SELECT ev.tenant, k.entity_id, k.capability, 'subscription', ev.x->>'sub', ev.x->>'status', (ev.x->>'allowed')::boolean,
           (ev.x->>'quantity')::integer, to_timestamp((ev.x->>'period_end')::double precision), ev.acct, ev.x->>'customer', now(),
           ev.created, CASE WHEN ev.terminal THEN now() END
      FROM keys k JOIN ev ON ev.id = k.id
     ORDER BY k.id, k.entity_id, k.capability
    -- A terminal event is the one that carries revoked_at.
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
      AND (g.revoked_at IS NULL OR EXCLUDED.revoked_at IS NOT NULL)
      AND (EXCLUDED.revoked_at IS NOT NULL OR g.last_event_created IS NULL OR g.last_event_created < EXCLUDED.last_event_created)
    RETURNING g.source_id, g.entity_id, g.capability
  )
  SELECT coalesce((SELECT array_agg(k.id) FROM keys k), '{}'), coalesce((SELECT array_agg(w.source_id) FROM written w), '{}'),
         coalesce((SELECT array_agg(w.entity_id) FROM written w), '{}'), coalesce((SELECT array_agg(w.capability) FROM written w), '{}')
    INTO v_key_ids, v_w_sub, v_w_e, v_w_c;

  -- In a statement of its own, as np_stripe_ingest_subscription's check: a grant of the same
  -- second that another transaction committed while this one wrote is seen only now.
  WITH key_counts AS (
    SELECT k.id, count(*) AS n FROM unnest(v_key_ids) AS k(id) GROUP BY k.id
  ), write_counts AS (
    SELECT w.sub, count(*) AS n FROM unnest(v_w_sub) AS w(sub) GROUP BY w.sub
  )
  SELECT min(ev.id) INTO v_abort
    FROM (SELECT s->>'id' AS id, (s->>'tenant')::uuid AS tenant, s->'x'->>'sub' AS sub, s->>'acct' AS acct,
                 to_timestamp((s->>'created')::double precision) AS created
            FROM jsonb_array_elements(v_set) s
           WHERE s->>'id' = ANY (v_claimed) AND NOT s->>'id' = ANY (v_slow)
             AND NOT (s->'x'->>'terminal')::boolean) ev
    JOIN key_counts kc ON kc.id = ev.id
    LEFT JOIN write_counts wc ON wc.sub = ev.sub
   WHERE kc.n > coalesce(wc.n, 0)
     AND EXISTS (
       SELECT 1 FROM np_stripe_entitlements g
        WHERE g.tenant_id = ev.tenant AND g.source_type = 'subscription' AND g.source_id = ev.sub
          AND g.stripe_account_id IS NOT DISTINCT FROM ev.acct AND g.revoked_at IS NULL AND g.last_event_created = ev.created
          AND (g.entity_id, g.capability) NOT IN (SELECT w.e, w.c FROM unnest(v_w_sub, v_w_e, v_w_c) AS w(s, e, c) WHERE w.s = ev.sub));
  IF v_abort IS NOT NULL THEN
    RAISE EXCEPTION 'event % needs the slow path', v_abort USING ERRCODE = 'NS001', DETAIL = v_abort;
  END IF;

  -- No grant stored and none named: nothing to apply.
  UPDATE np_stripe_processed_events SET outcome = 'ignored', ignored_reason = 'no_entitlement_metadata'
   WHERE event_id = ANY (v_claimed) AND NOT event_id = ANY (v_slow) AND NOT event_id = ANY (v_key_ids);

  SELECT array_agg(x.id ORDER BY x.id), array_agg(x.outcome ORDER BY x.id), array_agg(x.reason ORDER BY x.id), array_agg(x.tenant ORDER BY x.id)
    INTO ids, outcomes, reasons, tenants
    FROM (SELECT c.id, c.tenant,
                 CASE WHEN NOT c.claimed THEN
                        (SELECT CASE WHEN p.outcome IS NULL OR p.outcome = 'failed' THEN 'slow' ELSE 'duplicate' END
                           FROM (SELECT NULL) AS one LEFT JOIN np_stripe_processed_events p ON p.event_id = c.id)
                      WHEN c.id = ANY (v_slow) THEN 'slow'
                      WHEN NOT c.id = ANY (v_key_ids) THEN 'ignored'
                      ELSE 'processed' END AS outcome,
                 CASE WHEN c.claimed AND NOT c.id = ANY (v_slow) AND NOT c.id = ANY (v_key_ids) THEN 'no_entitlement_metadata' END AS reason
            FROM (SELECT s->>'id' AS id, s->>'tenant' AS tenant, s->>'id' = ANY (v_claimed) AS claimed FROM jsonb_array_elements(v_set) s) c) x;
END
$$;

-- The batch (migration 008): a row lock waited on for 2 s fails the batch, whose events then go
-- through the pipeline one by one. Subscription events nothing else touches go together first.
CREATE OR REPLACE FUNCTION np_stripe_ingest_events(p_batch jsonb, p_live boolean, p_default_tenant uuid,
  OUT outcomes text[], OUT reasons text[], OUT tenants text[], OUT notes text[], OUT changed_grants text)
LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  r record;
  together record;
  k integer;
BEGIN
  PERFORM set_config('lock_timeout', '2s', true);
  PERFORM set_config('np_stripe.notify_batched', 'on', true);
  outcomes := '{}';
  reasons := '{}';
  tenants := '{}';
  notes := '{}';
  together := np_stripe_ingest_subscriptions_together(p_batch, p_live);
  FOR e IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
    k := array_position(together.ids, e->>'id');
    IF k IS NOT NULL THEN
      outcomes := array_append(outcomes, together.outcomes[k]);
      reasons := array_append(reasons, together.reasons[k]);
      tenants := array_append(tenants, together.tenants[k]);
      notes := array_append(notes, NULL);
      CONTINUE;
    END IF;
    r := np_stripe_ingest_event(e, p_live, p_default_tenant);
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
