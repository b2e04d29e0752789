-- Every committed change to a grant announces its key, so in-process caches on every
-- replica drop that key. A trigger covers every writer (webhooks, refresh, reconcile,
-- manual grants, disconnects) and NOTIFY is delivered only on commit.
CREATE FUNCTION np_stripe_entitlements_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  PERFORM pg_notify('np_stripe_entitlement_changes',
                    json_build_array(r.tenant_id, r.entity_id, r.capability)::text);
  IF TG_OP = 'UPDATE' AND (OLD.entity_id, OLD.capability) IS DISTINCT FROM (NEW.entity_id, NEW.capability) THEN
    PERFORM pg_notify('np_stripe_entitlement_changes',
                      json_build_array(OLD.tenant_id, OLD.entity_id, OLD.capability)::text);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER np_stripe_entitlements_changed
  AFTER INSERT OR UPDATE OR DELETE ON np_stripe_entitlements
  FOR EACH ROW EXECUTE FUNCTION np_stripe_entitlements_notify();
