import type { Pool } from '../../../src/db/pool.js';
import type { PlannedEvent } from './events.js';

export interface LedgerProblem {
  eventId: string;
  problem: string;
}

/**
 * Checks, event by event, that each planned event was applied exactly once: one
 * processed_events row with outcome `processed`, one grant row for its source, and for a
 * payment one np_stripe_payments row. Also that no grant or payment exists without its event.
 */
export async function ledgerProblems(pool: Pool, planned: PlannedEvent[]): Promise<LedgerProblem[]> {
  const events = await pool.query<{ event_id: string; outcome: string; n: number }>(
    `SELECT event_id, min(outcome) AS outcome, count(*)::int AS n FROM np_stripe_processed_events GROUP BY event_id`,
  );
  const grants = await pool.query<{ source_id: string; n: number; allowed: number }>(
    `SELECT source_id, count(*)::int AS n, count(*) FILTER (WHERE allowed)::int AS allowed FROM np_stripe_entitlements GROUP BY source_id`,
  );
  const payments = await pool.query<{ id: string }>(`SELECT id FROM np_stripe_payments`);
  const eventById = new Map(events.rows.map((r) => [r.event_id, r]));
  const grantsBySource = new Map(grants.rows.map((r) => [r.source_id, r]));
  const paymentIds = new Set(payments.rows.map((r) => r.id));

  const problems: LedgerProblem[] = [];
  const plannedSources = new Set<string>();
  for (const p of planned) {
    const id = p.event.id;
    plannedSources.add(p.sourceId);
    const row = eventById.get(id);
    if (!row) problems.push({ eventId: id, problem: 'no processed_events row' });
    else if (row.n !== 1) problems.push({ eventId: id, problem: `${row.n} processed_events rows` });
    else if (row.outcome !== 'processed') problems.push({ eventId: id, problem: `outcome ${row.outcome}` });
    const grant = grantsBySource.get(p.sourceId);
    if (!grant) problems.push({ eventId: id, problem: 'no grant row' });
    else if (grant.n !== 1 || grant.allowed !== 1) problems.push({ eventId: id, problem: `${grant.n} grant rows, ${grant.allowed} allowing` });
    if (p.paymentId !== null && !paymentIds.has(p.paymentId)) problems.push({ eventId: id, problem: 'no payment row' });
  }
  for (const source of grantsBySource.keys()) {
    if (!plannedSources.has(source)) problems.push({ eventId: '?', problem: `grant for unplanned source ${source}` });
  }
  return problems;
}

/** Row counts of every np_stripe_ table (found in the catalog, so a new table is covered too). */
export async function tableCounts(pool: Pool): Promise<Record<string, number>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name LIKE 'np\\_stripe\\_%' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, number> = {};
  for (const { table_name: t } of tables) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = rows[0]!.n;
  }
  return out;
}

/**
 * A digest of every np_stripe_ table's content (not just its row count), in one query:
 * any insert, update or delete shows.
 */
export async function tablesDigest(pool: Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name LIKE 'np\\_stripe\\_%' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const columns = tables.map(({ table_name: t }) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${t} x) AS ${t}`);
  const { rows } = await pool.query<Record<string, string>>(`SELECT ${columns.join(', ')}`);
  return rows[0]!;
}
