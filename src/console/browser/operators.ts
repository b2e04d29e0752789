/// <reference lib="dom" />
import { html, nothing } from 'lit-html';
import { path } from './api.js';
import { pager } from './pager.js';
import type { OnboardAnswer, Operator, OperatorCounts, Page } from './types.js';
import { confirmAction, errorText, externalLink, field, onSubmit, statusBadge, time, yesNo } from './ui.js';
import type { View, ViewContext } from './view.js';

const STATUSES = ['pending', 'onboarding', 'restricted', 'active', 'deauthorized'];
const COLUMNS = ['Entity', 'Account', 'Connected via', 'Status', 'Charges', 'Payouts', 'Requirements due', 'Updated', 'Actions'];

/** Connected accounts: status, what Stripe still requires, a Dashboard link, a fresh onboarding link, disconnect. */
export function createOperatorsView(ctx: ViewContext): View {
  let filters: Record<string, string> = {};
  let page: Page<Operator, OperatorCounts> | null = null;
  let link: (OnboardAnswer & { entity_id: string }) | null = null;
  let error: string | null = null;
  const pages = pager(() => load());

  async function load(): Promise<void> {
    try {
      page = await ctx.api.get('/accounts', { ...filters, limit: 25, cursor: pages.cursor() });
      error = null;
    } catch (err) {
      error = errorText(err);
    }
    ctx.update();
  }

  async function onboard(entityId: string): Promise<void> {
    try {
      link = { ...(await ctx.api.post<OnboardAnswer>('/onboard', { entity_id: entityId })), entity_id: entityId };
      ctx.announce(`A fresh onboarding link for ${entityId} is ready to copy.`);
      await load();
      document.getElementById('onboard-url')?.focus();
    } catch (err) {
      ctx.announce(`Could not create an onboarding link for ${entityId}: ${errorText(err)}`, 'error');
    }
  }

  async function disconnect(op: Operator): Promise<void> {
    const consequence = `Account ${op.account_id ?? ''} becomes deauthorized and every grant it sold stops allowing until the operator onboards again.`;
    if (!(await confirmAction(`Disconnect ${op.entity_id}?`, consequence, 'Disconnect'))) return;
    try {
      await ctx.api.post(path`/account/${op.entity_id}/disconnect`);
      ctx.announce(`${op.entity_id} is disconnected.`);
      await load();
    } catch (err) {
      ctx.announce(`Could not disconnect ${op.entity_id}: ${errorText(err)}`, 'error');
    }
  }

  async function copyLink(url: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(url);
      ctx.announce('Link copied.');
    } catch {
      ctx.announce('The browser refused to copy: select the link and copy it.', 'error');
    }
  }

  const requirements = (op: Operator) => html`
    ${op.requirements_due.length === 0 ? 'none' : html`<ul class="plain">${op.requirements_due.map((r) => html`<li><code>${r}</code></li>`)}</ul>`}
    ${op.requirements_deadline ? html`<p class="hint">due by <time datetime=${op.requirements_deadline}>${op.requirements_deadline.slice(0, 16).replace('T', ' ')} UTC</time></p>` : nothing}
    ${op.disabled_reason ? html`<p class="hint">disabled: ${op.disabled_reason}</p>` : nothing}`;

  const row = (op: Operator) => html`
    <tr>
      <th scope="row" data-label="Entity">${op.entity_id}</th>
      <td data-label="Account"><code>${op.account_id ?? '—'}</code></td>
      <td data-label="Connected via">${op.connected_via.replace('_', ' ')}</td>
      <td data-label="Status">${statusBadge(op.status)}</td>
      <td data-label="Charges">${yesNo(op.charges_enabled)}</td>
      <td data-label="Payouts">${yesNo(op.payouts_enabled)}</td>
      <td data-label="Requirements due">${requirements(op)}</td>
      <td data-label="Updated">${time(op.updated_at)}</td>
      <td data-label="Actions"><div class="actions">
        ${externalLink(op.dashboard_url, 'Dashboard', `Stripe Dashboard for ${op.entity_id}`)}
        <button type="button" class="secondary" aria-label="Fresh onboarding link for ${op.entity_id}" @click=${() => onboard(op.entity_id)}>Onboarding link</button>
        <button type="button" class="danger" aria-label="Disconnect ${op.entity_id}" ?disabled=${op.status === 'deauthorized'} @click=${() => disconnect(op)}>Disconnect</button>
      </div></td>
    </tr>`;

  const onboardForm = () => html`
    <form class="bar" aria-label="Onboard an operator" @submit=${onSubmit((v) => { if (v.entity_id) void onboard(v.entity_id); })}>
      ${field('new-entity', 'Entity id to onboard', html`<input id="new-entity" name="entity_id" required autocomplete="off" spellcheck="false" />`)}
      <button type="submit">Create onboarding link</button>
    </form>
    ${link ? html`<div class="card" role="group" aria-label="Onboarding link">
      <label for="onboard-url">Onboarding link for <strong>${link.entity_id}</strong> (${link.mode.replace('_', ' ')}, expires ${time(link.expires_at)})</label>
      <div class="bar"><input id="onboard-url" readonly .value=${link.url} />
        <button type="button" class="secondary" @click=${() => copyLink(link!.url)}>Copy</button></div>
    </div>` : nothing}`;

  const filterForm = () => html`
    <form class="bar" aria-label="Filter operators" @submit=${onSubmit((v) => { filters = v; pages.reset(); })}>
      ${field('op-status', 'Status', html`<select id="op-status" name="status"><option value="">any</option>${STATUSES.map((s) => html`<option>${s}</option>`)}</select>`)}
      ${field('op-req', 'Requirements', html`<select id="op-req" name="requirements"><option value="">any</option><option>due</option><option>none</option></select>`)}
      ${field('op-entity', 'Entity starts with', html`<input id="op-entity" name="entity_id" autocomplete="off" spellcheck="false" />`)}
      <button type="submit" class="secondary">Filter</button>
    </form>`;

  const summary = (p: Page<Operator, OperatorCounts>) => html`<p class="summary">
    ${STATUSES.map((s) => html`<span>${s}: <strong>${p.counts.by_status[s] ?? 0}</strong></span>`)}
    <span>requirements due: <strong>${p.counts.requirements_due}</strong></span></p>`;

  return {
    title: 'Operators',
    load,
    render: () => html`
      <h1 id="view-heading" tabindex="-1">Operators</h1>
      ${page ? summary(page) : nothing}
      ${onboardForm()} ${filterForm()}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${page && page.data.length === 0 ? html`<p>No operator matches.</p>` : nothing}
      ${page && page.data.length > 0
        ? html`<table class="cards" aria-label="Operators">
            <thead><tr>${COLUMNS.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
            <tbody>${page.data.map(row)}</tbody></table>`
        : nothing}
      ${pages.render(page?.next_cursor ?? null)}
    `,
  };
}
