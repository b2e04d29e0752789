-- Invoice events order the payment-failed flag on their own clock: an invoice event must not
-- make an older subscription event look stale (or the reverse), so the flag keeps the
-- `created` of the invoice event that last set it apart from last_event_created.
ALTER TABLE np_stripe_entitlements ADD COLUMN payment_event_created timestamptz;

-- The admin view lists events by outcome and type, newest first.
CREATE INDEX np_stripe_processed_events_type ON np_stripe_processed_events (type, received_at);
