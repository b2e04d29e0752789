-- The Billing Portal configuration /portal created on each connected account (issue 10): Stripe
-- refuses portal sessions on an account until one is saved, so the service makes one with the
-- features it relies on and remembers it here. It belongs to the Stripe account, not to the
-- row: when a row is linked to another account (onboarded again), the remembered one is dropped.
ALTER TABLE np_stripe_accounts ADD COLUMN portal_configuration_id text;

CREATE FUNCTION np_stripe_accounts_forget_portal_configuration() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.stripe_account_id IS DISTINCT FROM OLD.stripe_account_id THEN
    NEW.portal_configuration_id := NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER np_stripe_accounts_forget_portal_configuration
  BEFORE UPDATE OF stripe_account_id ON np_stripe_accounts
  FOR EACH ROW EXECUTE FUNCTION np_stripe_accounts_forget_portal_configuration();
