-- A disconnect lasts. Grants sold under a deauthorized account carry account_deauthorized and
-- never allow, whatever event, refresh or reconcile writes to them later: the rule lives in
-- the database, so no writer can forget it. Their status keeps Stripe's word, so a reconnection
-- of the same account (OAuth) can give back exactly what Stripe still says is paid for.
ALTER TABLE np_stripe_entitlements ADD COLUMN account_deauthorized boolean NOT NULL DEFAULT false;

UPDATE np_stripe_entitlements g
   SET account_deauthorized = true, allowed = false
 WHERE g.source_type <> 'manual'
   AND EXISTS (SELECT 1 FROM np_stripe_accounts a WHERE a.stripe_account_id = g.stripe_account_id AND a.status = 'deauthorized');

-- Every write of a sold grant reads its account's standing. FOR SHARE orders it against a
-- concurrent disconnect: whichever commits second sees the other's row. A grant whose account
-- row is gone (the entity was onboarded again with a new account) keeps the flag it had.
CREATE FUNCTION np_stripe_grant_account_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  account_status text;
BEGIN
  IF NEW.source_type = 'manual' OR NEW.stripe_account_id IS NULL THEN
    NEW.account_deauthorized := false;
    RETURN NEW;
  END IF;
  SELECT a.status INTO account_status FROM np_stripe_accounts a WHERE a.stripe_account_id = NEW.stripe_account_id FOR SHARE;
  IF FOUND THEN
    NEW.account_deauthorized := account_status = 'deauthorized';
  ELSIF TG_OP = 'UPDATE' THEN
    NEW.account_deauthorized := OLD.account_deauthorized;
  ELSE
    NEW.account_deauthorized := false;
  END IF;
  IF NEW.account_deauthorized THEN
    NEW.allowed := false;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER np_stripe_entitlements_account_guard
  BEFORE INSERT OR UPDATE ON np_stripe_entitlements
  FOR EACH ROW EXECUTE FUNCTION np_stripe_grant_account_guard();

-- An account that becomes deauthorized takes its grants down with it (the guard above sets the
-- flag); the same account connected again gives back what its grants' own state allows.
CREATE FUNCTION np_stripe_account_grants_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.stripe_account_id IS NULL THEN
    RETURN NULL;
  END IF;
  IF NEW.status = 'deauthorized' THEN
    UPDATE np_stripe_entitlements SET updated_at = now()
     WHERE stripe_account_id = NEW.stripe_account_id AND source_type <> 'manual' AND NOT account_deauthorized;
  ELSIF OLD.status = 'deauthorized' AND OLD.stripe_account_id = NEW.stripe_account_id THEN
    UPDATE np_stripe_entitlements
       SET allowed = revoked_at IS NULL AND CASE source_type
             WHEN 'subscription' THEN status IN ('active', 'trialing')
             WHEN 'payment' THEN status = 'paid'
             ELSE allowed END,
           updated_at = now()
     WHERE stripe_account_id = NEW.stripe_account_id AND account_deauthorized;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER np_stripe_accounts_grants_follow
  AFTER UPDATE OF status, stripe_account_id ON np_stripe_accounts
  FOR EACH ROW EXECUTE FUNCTION np_stripe_account_grants_follow();

-- Read-your-writes on one replica: besides the NOTIFY every replica hears, the changed keys
-- gather in a transaction-local setting that the writer reads in the same round trip as its
-- COMMIT, and drops from its own cache before it answers. Past 64 kB it says '*' (drop all).
CREATE FUNCTION np_stripe_note_changed_grant(key text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  seen text := current_setting('np_stripe.changed_grants', true);
BEGIN
  IF seen = '*' THEN
    RETURN;
  ELSIF seen IS NULL OR seen = '' THEN
    seen := key;
  ELSIF length(seen) > 65536 THEN
    seen := '*';
  ELSE
    seen := seen || E'\n' || key;
  END IF;
  PERFORM set_config('np_stripe.changed_grants', seen, true);
END
$$;

CREATE OR REPLACE FUNCTION np_stripe_entitlements_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  key text;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  key := json_build_array(r.tenant_id, r.entity_id, r.capability)::text;
  PERFORM pg_notify('np_stripe_entitlement_changes', key);
  PERFORM np_stripe_note_changed_grant(key);
  IF TG_OP = 'UPDATE' AND (OLD.entity_id, OLD.capability) IS DISTINCT FROM (NEW.entity_id, NEW.capability) THEN
    key := json_build_array(OLD.tenant_id, OLD.entity_id, OLD.capability)::text;
    PERFORM pg_notify('np_stripe_entitlement_changes', key);
    PERFORM np_stripe_note_changed_grant(key);
  END IF;
  RETURN NULL;
END
$$;
