import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { eventHandlers } from './dispatch.js';
import { batchMember, ingestBatch, NEEDS_SLOW_PATH, type BatchMember, type BatchVerdict } from './ingest-batch.js';
import { INGEST_TYPES } from './ingest-intent.js';
import { processEvent, type PipelineDeps, type PipelineResult } from './pipeline.js';
import type { Channel } from './types.js';

interface Pending extends BatchMember {
  resolve(result: PipelineResult): void;
}

export interface BatcherLimits {
  /** Events in one batch: bounds its latency, its locks and its NOTIFY (8,000 bytes). */
  maxEvents: number;
  /** Payload bytes in one batch: one statement's parameter stays small. */
  maxBytes: number;
  /** Attempts of a batch that lost a deadlock or serialization conflict to another batch. */
  conflictAttempts: number;
  /** Batches committing at once, each on its own connection. */
  maxInFlight: number;
}

// One batch in flight. Two gained nothing measurable on distinct events and cost a third of the
// throughput when copies of the same events race (the duplicate storm of `npm run bench`: 220
// against 694 deliveries/s), the second batch waiting on the first's claims.
const DEFAULT_LIMITS: BatcherLimits = { maxEvents: 64, maxBytes: 4 * 1024 * 1024, conflictAttempts: 4, maxInFlight: 1 };
// Deadlock and serialization failure: another replica's batch took the same rows in another order.
const CONFLICT_CODES = new Set(['40P01', '40001']);

const codeOf = (err: unknown): string | undefined => (err as { code?: unknown })?.code as string | undefined;

/**
 * Group commit (issue 9). Deliveries that arrive while a batch commits wait and go together in
 * the next one: one batch in flight per process (see maxInFlight), one statement and one
 * transaction per batch.
 * A delivery is answered only once its batch committed. A batch that fails for another reason
 * than a conflict is retried member by member through the pipeline, each in its own
 * transaction, so a failure is recorded for its own event alone. Events the batch cannot
 * apply without Stripe go through the pipeline too, outside the batch.
 */
export class IngestBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly pipelined = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];

  private readonly limits: BatcherLimits;
  private readonly onBatch: (events: number) => void;

  constructor(
    private readonly deps: PipelineDeps,
    opts: Partial<BatcherLimits> & { onBatch?: (events: number) => void } = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts };
    this.onBatch = opts.onBatch ?? (() => undefined);
  }

  ingest(event: Stripe.Event, rawBody: string, channel: Channel): Promise<PipelineResult> {
    return new Promise((resolve) => {
      this.queue.push({ ...batchMember(event, rawBody, channel), resolve });
      this.schedule();
    });
  }

  /** The deliveries parsed in this turn of the event loop start together, when a batch may start. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.limits.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.queue.length > 0 && this.inFlight < this.limits.maxInFlight) {
      this.inFlight++;
      const batch = this.take();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.inFlight--;
        if (this.queue.length > 0) this.startBatches();
        else this.maybeIdle();
      };
      void this.runBatch(batch, release)
        // runBatch answers every member itself; this is only the guard that none goes unanswered.
        .catch((cause: unknown) => batch.forEach((m) => m.resolve({ kind: 'failed', message: (cause as Error).message, cause })))
        .finally(release);
    }
  }

  /** Resolves once no batch runs and no event is in the pipeline (graceful close). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0 && this.pipelined.size === 0;
  }

  private take(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < this.limits.maxEvents) {
      bytes += this.queue[n]!.element?.length ?? 0;
      if (n > 0 && bytes > this.limits.maxBytes) break;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /**
   * A type with a TypeScript handler that the ingest function cannot decode (it would record it
   * as unhandled): only the pipeline applies it. Types neither knows stay in the batch, which
   * records them as ignored.
   */
  private pipelineOnly(m: Pending): boolean {
    return !INGEST_TYPES.has(m.event.type) && (this.deps.handlers ?? eventHandlers)[m.event.type] !== undefined;
  }

  /**
   * `release` frees the batch's place as soon as the database is done with it: the next batch
   * (the deliveries that arrived meanwhile) is sent before this one's answers are written.
   */
  private async runBatch(batch: Pending[], release: () => void): Promise<void> {
    // Not waiting for the batch: they have nothing to do with it.
    for (const m of batch.filter((p) => this.pipelineOnly(p))) this.track(this.throughPipeline(m));
    const toPipeline: Pending[] = [];
    // Every replica claims event ids in the same order, so two batches holding copies of the
    // same events wait on each other's commit instead of deadlocking (detected only after 1 s).
    let members = batch.filter((m) => !this.pipelineOnly(m)).sort((a, b) => (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
    const settings = { live: this.deps.config.stripe.mode === 'live', defaultTenantId: this.deps.config.defaultTenantId };
    for (let conflicts = 0; members.length > 0; ) {
      let verdicts: BatchVerdict[];
      try {
        verdicts = await ingestBatch(this.deps.pool, members, settings);
        this.onBatch(members.length);
      } catch (err) {
        const code = codeOf(err);
        if (code === NEEDS_SLOW_PATH) {
          // Undone whole; run again without the event that needs Stripe.
          const id = (err as { detail?: string }).detail;
          toPipeline.push(...members.filter((m) => m.event.id === id));
          members = members.filter((m) => m.event.id !== id);
          continue;
        }
        if (code !== undefined && CONFLICT_CODES.has(code) && ++conflicts < this.limits.conflictAttempts) {
          await sleep(Math.random() * 5 * conflicts);
          continue;
        }
        // Not awaited: the next batch goes on while these run, so a member waiting on a lock
        // (a pipeline transaction asking Stripe) holds up no other delivery.
        this.deps.logger.warn({ error: (err as Error).message, code, events: members.length }, 'ingest batch failed; applying its events one by one');
        toPipeline.push(...members);
        break;
      }
      members.forEach((m, i) => {
        const v = verdicts[i]!;
        if (v.kind === 'slow') toPipeline.push(m);
        else this.answer(m, v);
      });
      break;
    }
    for (const m of toPipeline) this.track(this.throughPipeline(m));
    // After the tracking above, so that no idle moment is seen in between.
    release();
  }

  /** Its line is the request's (src/http/request-log.ts); a notification also gets one of its own. */
  private answer(m: Pending, v: Exclude<BatchVerdict, { kind: 'slow' }>): void {
    if (v.kind === 'duplicate') return m.resolve({ kind: 'duplicate' });
    if (v.kind === 'ignored') return m.resolve({ kind: 'ignored', reason: v.reason, tenantId: v.tenantId });
    if (v.note !== null) {
      const e = m.event;
      const notification = JSON.parse(v.note) as { kind?: string };
      this.deps.logger.warn(
        { event_id: e.id, event_type: e.type, stripe_account: e.account ?? null, channel: m.channel, tenant_id: v.tenantId, notification },
        `notify: ${notification.kind}`,
      );
    }
    m.resolve({ kind: 'processed', tenantId: v.tenantId });
  }

  private async throughPipeline(m: Pending): Promise<void> {
    try {
      m.resolve(await processEvent(this.deps, m.event, m.channel));
    } catch (cause) {
      // processEvent records its own failures; this is only the guard that every delivery gets an answer.
      m.resolve({ kind: 'failed', message: (cause as Error).message, cause });
    }
  }

  private track(work: Promise<void>): void {
    this.pipelined.add(work);
    void work.finally(() => {
      this.pipelined.delete(work);
      this.maybeIdle();
    });
  }

  private maybeIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
