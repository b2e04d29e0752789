-- When what an operator owes Stripe is due (requirements.current_deadline): past it Stripe
-- disables the account, so the operator console shows it beside the requirements.
ALTER TABLE np_stripe_accounts ADD COLUMN requirements_deadline timestamptz;

-- The batch path's account.updated (migration 007) records it too; the same function otherwise.
CREATE OR REPLACE FUNCTION np_stripe_ingest_account_updated(p_created timestamptz, p_live boolean, x jsonb,
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
         disabled_reason = x->>'disabled_reason', requirements_deadline = (x->>'deadline')::timestamptz,
         livemode = p_live, status = v_status,
         email = COALESCE(x->>'email', email), country = COALESCE(x->>'country', country),
         last_event_created = GREATEST(last_event_created, p_created),
         deauthorized_at = CASE WHEN v_status = 'deauthorized' THEN deauthorized_at END, updated_at = now()
   WHERE id = v_id;
  result := 'processed';
END
$$;
