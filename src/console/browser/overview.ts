/// <reference lib="dom" />
import { html, nothing } from 'lit-html';
import { stackedBars } from './charts.js';
import type { GrantCounts, MetricsSummary, OperatorCounts, Page, StoredEvent } from './types.js';
import { errorText } from './ui.js';
import type { View, ViewContext } from './view.js';

const FAILED_CAP = 500;

/** Counts per status and the last hour of the service's own metrics. */
export function createOverviewView(ctx: ViewContext): View {
  let operators: OperatorCounts | null = null;
  let grants: GrantCounts | null = null;
  let failedEvents: number | null = null;
  let metrics: MetricsSummary | null = null;
  let error: string | null = null;

  async function load(): Promise<void> {
    try {
      const [ops, ents, failed] = await Promise.all([
        ctx.api.get<Page<unknown, OperatorCounts>>('/accounts', { limit: 1 }),
        ctx.api.get<Page<unknown, GrantCounts>>('/entitlements', { limit: 1 }),
        ctx.api.get<{ data: StoredEvent[] }>('/events', { status: 'failed', limit: FAILED_CAP }),
      ]);
      operators = ops.counts;
      grants = ents.counts;
      failedEvents = failed.data.length;
      // The metrics span every tenant: only a token bound to no tenant reads them.
      metrics = ctx.session.platform ? await ctx.api.get<MetricsSummary>('/metrics/summary') : null;
      error = null;
    } catch (err) {
      error = errorText(err);
    }
    ctx.update();
  }

  const counts = (title: string, entries: [string, number][], id: string) => html`
    <section class="card" aria-labelledby=${id}>
      <h2 id=${id}>${title}</h2>
      <dl class="counts">${entries.map(([k, n]) => html`<div><dt>${k.replaceAll('_', ' ')}</dt><dd>${n}</dd></div>`)}</dl>
    </section>`;

  return {
    title: 'Overview',
    load,
    render: () => html`
      <h1 id="view-heading" tabindex="-1">Overview</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      <div class="cards-grid">
        ${operators ? counts('Operators', [...Object.entries(operators.by_status), ['requirements due', operators.requirements_due]], 'count-operators') : nothing}
        ${grants ? counts('Grants', [['allowing now', grants.allowing], ['payment failed', grants.payment_failed], ...Object.entries(grants.by_status)], 'count-grants') : nothing}
        ${failedEvents !== null
          ? html`<section class="card" aria-labelledby="count-events"><h2 id="count-events">Webhooks</h2>
              <p><a href="#webhooks"><strong>${failedEvents >= FAILED_CAP ? `${FAILED_CAP}+` : failedEvents}</strong> failed events</a> waiting for a replay or Stripe's retry.</p></section>`
          : nothing}
      </div>
      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">Last hour</h2>
        ${metrics
          ? html`<div class="cards-grid">
              ${stackedBars('Webhook events by outcome', metrics.webhook_events, 'chart-webhooks')}
              ${stackedBars('billing.can checks by source', metrics.entitlement_checks, 'chart-checks')}
            </div>
            <p class="hint">This process's own counters (each replica counts its own), as /metrics exposes them, since ${new Date(metrics.since).toLocaleString()}.</p>`
          : html`<p>The charts read the service's metrics, which span every tenant: sign in with an admin token bound to no tenant to see them.</p>`}
      </section>
    `,
  };
}
