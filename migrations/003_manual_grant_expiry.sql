-- Manual (comped) grants may be given for a limited time: past expires_at they stop allowing
-- without anyone having to revoke them. Subscription and payment grants leave it NULL.
ALTER TABLE np_stripe_entitlements ADD COLUMN expires_at timestamptz;
