-- A batch never waits long on a row lock: the lock may belong to a pipeline transaction that is
-- waiting on Stripe (a tie being settled, up to the SDK's timeout and retry), and one batch in
-- flight per process would make every delivery of that process wait with it. Past the timeout
-- the batch fails (55P03) and its events go through the pipeline one by one, where only the one
-- that needs that row waits.
CREATE OR REPLACE FUNCTION np_stripe_ingest_events(p_batch jsonb, p_live boolean, p_default_tenant uuid,
  OUT outcomes text[], OUT reasons text[], OUT tenants text[], OUT notes text[], OUT changed_grants text)
LANGUAGE plpgsql AS $$
DECLARE
  e jsonb;
  r record;
BEGIN
  PERFORM set_config('lock_timeout', '2s', true);
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
