/// <reference lib="dom" />
import { html, nothing } from 'lit-html';
import { path } from './api.js';
import { pager } from './pager.js';
import type { Grant, GrantCounts, Page } from './types.js';
import { confirmAction, errorText, externalLink, field, onSubmit, statusBadge, time, yesNo } from './ui.js';
import type { View, ViewContext } from './view.js';

const COLUMNS = ['Entity', 'Capability', 'Source', 'Status', 'Allowed', 'Quantity', 'Period end / expires', 'Payment failed', 'Cached at', 'Actions'];

/** Who holds which capability and why; manual (comped) grants added and revoked here. */
export function createEntitlementsView(ctx: ViewContext): View {
  let filters: Record<string, string> = {};
  let page: Page<Grant, GrantCounts> | null = null;
  let error: string | null = null;
  const pages = pager(() => load());

  async function load(): Promise<void> {
    try {
      page = await ctx.api.get('/entitlements', { ...filters, limit: 25, cursor: pages.cursor() });
      error = null;
    } catch (err) {
      error = errorText(err);
    }
    ctx.update();
  }

  async function grant(v: Record<string, string>, form: HTMLFormElement): Promise<void> {
    const body = {
      quantity: Number(v.quantity ?? '1'),
      ...(v.expires_at ? { expires_at: new Date(v.expires_at).toISOString() } : {}),
      ...(v.note ? { note: v.note } : {}),
    };
    try {
      await ctx.api.post(path`/entitlement/${v.entity_id ?? ''}/${v.capability ?? ''}/grant`, body);
      ctx.announce(`${v.entity_id} now holds ${v.capability} (manual grant).`);
      form.reset();
      await load();
    } catch (err) {
      ctx.announce(`Could not grant: ${errorText(err)}`, 'error');
    }
  }

  async function revoke(g: Grant): Promise<void> {
    if (!(await confirmAction(`Revoke ${g.capability}?`, `The manual grant of ${g.capability} to ${g.entity_id} stops allowing now.`, 'Revoke'))) return;
    try {
      await ctx.api.del(path`/entitlement/${g.entity_id}/${g.capability}/grant`);
      ctx.announce(`The manual grant of ${g.capability} to ${g.entity_id} is revoked.`);
      await load();
    } catch (err) {
      ctx.announce(`Could not revoke: ${errorText(err)}`, 'error');
    }
  }

  const source = (g: Grant) =>
    g.source_type === 'manual'
      ? html`manual${g.note ? html`<p class="hint">${g.note}</p>` : nothing}`
      : html`${g.source_type} ${externalLink(g.dashboard_url, g.source_id, `${g.source_type} ${g.source_id} in the Stripe Dashboard`)}`;

  const row = (g: Grant) => html`
    <tr>
      <th scope="row" data-label="Entity">${g.entity_id}</th>
      <td data-label="Capability"><code>${g.capability}</code></td>
      <td data-label="Source">${source(g)}</td>
      <td data-label="Status">${statusBadge(g.revoked_at ? 'revoked' : g.status)}</td>
      <td data-label="Allowed">${yesNo(g.allowed, g.allowed ? 'allowed' : 'denied')}</td>
      <td data-label="Quantity">${g.quantity}</td>
      <td data-label="Period end / expires">${time(g.period_end ?? g.expires_at)}</td>
      <td data-label="Payment failed">${g.payment_failed ? statusBadge('failed') : 'no'}</td>
      <td data-label="Cached at">${time(g.cached_at)}</td>
      <td data-label="Actions"><div class="actions">${g.source_type === 'manual' && !g.revoked_at
        ? html`<button type="button" class="danger" aria-label="Revoke ${g.capability} from ${g.entity_id}" @click=${() => revoke(g)}>Revoke</button>`
        : nothing}</div></td>
    </tr>`;

  const searchForm = () => html`
    <form class="bar" role="search" aria-label="Search grants" @submit=${onSubmit((v) => { filters = v; pages.reset(); })}>
      ${field('ent-entity', 'Entity starts with', html`<input id="ent-entity" name="entity_id" autocomplete="off" spellcheck="false" />`)}
      ${field('ent-cap', 'Capability starts with', html`<input id="ent-cap" name="capability" autocomplete="off" spellcheck="false" />`)}
      ${field('ent-source', 'Source', html`<select id="ent-source" name="source_type"><option value="">any</option><option>subscription</option><option>payment</option><option>manual</option></select>`)}
      <button type="submit" class="secondary">Search</button>
    </form>`;

  const grantForm = () => html`
    <details class="card"><summary>Add a manual (comped) grant</summary>
      <form class="grid" aria-label="Add a manual grant" @submit=${onSubmit((v, form) => void grant(v, form))}>
        <label for="grant-entity">Entity id</label><input id="grant-entity" name="entity_id" required autocomplete="off" spellcheck="false" />
        <label for="grant-cap">Capability</label><input id="grant-cap" name="capability" required autocomplete="off" spellcheck="false" />
        <label for="grant-qty">Quantity</label><input id="grant-qty" name="quantity" type="number" min="1" value="1" />
        <label for="grant-expires">Expires <span class="hint">(optional)</span></label><input id="grant-expires" name="expires_at" type="datetime-local" />
        <label for="grant-note">Note <span class="hint">(optional)</span></label><input id="grant-note" name="note" maxlength="1000" />
        <button type="submit">Grant</button>
      </form>
    </details>`;

  const summary = (p: Page<Grant, GrantCounts>) => html`<p class="summary">
    <span>allowing now: <strong>${p.counts.allowing}</strong></span>
    <span>payment failed: <strong>${p.counts.payment_failed}</strong></span>
    ${Object.entries(p.counts.by_status).map(([s, n]) => html`<span>${s.replaceAll('_', ' ')}: <strong>${n}</strong></span>`)}</p>`;

  return {
    title: 'Entitlements',
    load,
    render: () => html`
      <h1 id="view-heading" tabindex="-1">Entitlements</h1>
      ${page ? summary(page) : nothing}
      ${searchForm()} ${grantForm()}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${page && page.data.length === 0 ? html`<p>No grant matches.</p>` : nothing}
      ${page && page.data.length > 0
        ? html`<table class="cards" aria-label="Grants">
            <thead><tr>${COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
            <tbody>${page.data.map(row)}</tbody></table>`
        : nothing}
      ${pages.render(page?.next_cursor ?? null)}
    `,
  };
}
