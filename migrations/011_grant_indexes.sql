-- The grants of one subscription or payment are read by (source_id, tenant_id), locked in
-- (entity_id, capability) order. With only source_id indexed, the planner, short of statistics
-- (a new database; plpgsql keeps its plans), took the (tenant_id, entity_id, capability, …) key
-- instead, which gives that order without a sort, and walked every grant of the tenant for each
-- event: ingest slowed down as the table grew. This index gives both the rows and their order.
DROP INDEX np_stripe_entitlements_source;
CREATE INDEX np_stripe_entitlements_source ON np_stripe_entitlements (source_id, tenant_id, entity_id, capability);

-- Leading columns of the (tenant_id, entity_id, capability, source_id) unique key: checks use that.
DROP INDEX np_stripe_entitlements_lookup;
-- Nothing looks grants up by customer; every grant write paid for it.
DROP INDEX np_stripe_entitlements_customer;
