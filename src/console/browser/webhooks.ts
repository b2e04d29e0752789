/// <reference lib="dom" />
import { html, nothing } from 'lit-html';
import { path } from './api.js';
import type { StoredEvent } from './types.js';
import { errorText, field, onSubmit, statusBadge, time } from './ui.js';
import type { View, ViewContext } from './view.js';

interface Filters {
  channel?: string;
  type?: string;
  status?: string;
}

const LIMIT = 100;
const COLUMNS = ['Received', 'Type', 'Channel', 'Account', 'Outcome', 'Attempts', 'Last error', 'Actions'];

/** Recent webhook events, failed ones first; payload on demand; replay in place. */
export function createWebhooksView(ctx: ViewContext): View {
  let filters: Filters = {};
  let events: StoredEvent[] | null = null;
  let error: string | null = null;
  const payloads = new Map<string, unknown>();
  const busy = new Set<string>();

  async function load(): Promise<void> {
    try {
      const list = (status?: string) =>
        ctx.api.get<{ data: StoredEvent[] }>('/events', { status, channel: filters.channel, type: filters.type, limit: LIMIT });
      // With no outcome chosen: the failed ones first, then the latest of every outcome.
      const [first, recent] = await Promise.all([list(filters.status ?? 'failed'), filters.status ? null : list()]);
      const rest = (recent?.data ?? []).filter((e) => e.status !== 'failed');
      events = [...first.data, ...rest];
      error = null;
    } catch (err) {
      error = errorText(err);
    }
    ctx.update();
  }

  function replace(event: StoredEvent): void {
    events = events?.map((e) => (e.id === event.id ? { ...event } : e)) ?? null;
  }

  async function replay(e: StoredEvent): Promise<void> {
    busy.add(e.id);
    ctx.update();
    try {
      const result = await ctx.api.post<{ event: StoredEvent | null }>(path`/events/${e.id}/replay`);
      if (result.event) replace(result.event);
      ctx.announce(`Replayed ${e.id}: ${result.event?.status ?? 'done'}.`);
    } catch (err) {
      // The attempt is recorded either way: show its new count and error.
      replace(await ctx.api.get<StoredEvent>(path`/events/${e.id}`).catch(() => e));
      ctx.announce(`Replay of ${e.id} failed: ${errorText(err)}`, 'error');
    } finally {
      busy.delete(e.id);
      ctx.update();
    }
  }

  async function togglePayload(e: StoredEvent): Promise<void> {
    if (payloads.has(e.id)) {
      payloads.delete(e.id);
      return ctx.update();
    }
    try {
      payloads.set(e.id, (await ctx.api.get<StoredEvent>(path`/events/${e.id}`)).payload ?? null);
    } catch (err) {
      ctx.announce(`Could not read the payload of ${e.id}: ${errorText(err)}`, 'error');
    }
    ctx.update();
  }

  const row = (e: StoredEvent) => html`
    <tr class=${e.status === 'failed' ? 'failed' : ''}>
      <td data-label="Received">${time(e.received_at)}</td>
      <th scope="row" data-label="Type"><code>${e.type}</code><p class="hint"><code>${e.id}</code></p></th>
      <td data-label="Channel">${e.channel}</td>
      <td data-label="Account"><code>${e.account ?? '—'}</code></td>
      <td data-label="Outcome">${statusBadge(e.status)}${e.ignored_reason ? html`<p class="hint">${e.ignored_reason}</p>` : nothing}</td>
      <td data-label="Attempts">${e.attempts}</td>
      <td data-label="Last error" class="error-text">${e.last_error ?? '—'}</td>
      <td data-label="Actions"><div class="actions">
        <button type="button" class="secondary" aria-expanded=${payloads.has(e.id) ? 'true' : 'false'} aria-controls="payload-${e.id}" aria-label="Payload of ${e.id}" @click=${() => togglePayload(e)}>Payload</button>
        ${e.status !== 'processed'
          ? html`<button type="button" aria-label="Replay ${e.id}" ?disabled=${busy.has(e.id)} @click=${() => replay(e)}>${busy.has(e.id) ? 'Replaying…' : 'Replay'}</button>`
          : nothing}
      </div></td>
    </tr>
    ${payloads.has(e.id)
      ? html`<tr class="payload"><td colspan="8"><pre id="payload-${e.id}" tabindex="0" aria-label="Payload of ${e.id}">${JSON.stringify(payloads.get(e.id), null, 2)}</pre></td></tr>`
      : nothing}`;

  const filterForm = () => html`
    <form class="bar" aria-label="Filter events" @submit=${onSubmit((v) => { filters = v; void load(); })}>
      ${field('ev-channel', 'Channel', html`<select id="ev-channel" name="channel"><option value="">any</option><option>platform</option><option>connect</option></select>`)}
      ${field('ev-type', 'Type', html`<input id="ev-type" name="type" placeholder="invoice.paid" autocomplete="off" spellcheck="false" />`)}
      ${field('ev-status', 'Outcome', html`<select id="ev-status" name="status"><option value="">any</option><option>failed</option><option>processed</option><option>ignored</option></select>`)}
      <button type="submit" class="secondary">Filter</button>
    </form>`;

  return {
    title: 'Webhooks',
    load,
    render: () => html`
      <h1 id="view-heading" tabindex="-1">Webhooks</h1>
      <p class="summary">The latest ${LIMIT} events of each kind asked for; failed ones first.</p>
      ${filterForm()}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${events && events.length === 0 ? html`<p>No event matches.</p>` : nothing}
      ${events && events.length > 0
        ? html`<table class="cards" aria-label="Webhook events">
            <thead><tr>${COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
            <tbody>${events.map(row)}</tbody></table>`
        : nothing}
    `,
  };
}
