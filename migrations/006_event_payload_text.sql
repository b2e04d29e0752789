-- jsonb refuses a \u0000 escape (and a lone surrogate), yet Stripe may sign an event holding
-- one. Such an event keeps its JSON text here instead, where the escape is six plain
-- characters: it is still recorded, listed and replayable, never a 500 with no row.
ALTER TABLE np_stripe_processed_events ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE np_stripe_processed_events ADD COLUMN payload_text text;
ALTER TABLE np_stripe_processed_events
  ADD CONSTRAINT np_stripe_processed_events_payload_kept CHECK (payload IS NOT NULL OR payload_text IS NOT NULL);
