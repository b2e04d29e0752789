import type { FastifyInstance, FastifyReply } from 'fastify';
import { cancelSubscription, updateSubscription } from '../flows/billing.js';
import type { StripeObject } from '../json.js';
import type { Subscription } from '../objects/billing.js';
import { isKind } from '../objects/guards.js';
import type { PortalFeatures } from '../objects/portal.js';
import { optStr } from '../params.js';
import { formOf } from '../pipeline.js';
import type { Sim } from '../sim.js';
import type { PortalSessionRecord } from '../state.js';
import { errorPage, escapeHtml, money, sendPage } from './html.js';

function featuresOf(sim: Sim, portal: PortalSessionRecord): PortalFeatures | undefined {
  const configuration = sim.state.find(portal.configuration, 'billing_portal.configuration')?.obj;
  return isKind(configuration, 'billing_portal.configuration') ? configuration.features : undefined;
}

function subscriptionBox(portal: PortalSessionRecord, sub: StripeObject, canCancel: boolean): string {
  const ending = sub.cancel_at_period_end === true;
  const form = canCancel && !ending
    ? `<form method="post" action="/p/session/${encodeURIComponent(portal.token)}/cancel">
<input type="hidden" name="subscription" value="${escapeHtml(sub.id)}">
<button id="cancel-subscription" type="submit">Cancel subscription</button></form>`
    : '';
  const note = ending ? ' <span class="cancels-at-period-end">(cancels at the end of the period)</span>' : '';
  return `<div class="box subscription"><p>Subscription <strong>${escapeHtml(sub.id)}</strong> — ${escapeHtml(String(sub.status))}${note}</p>${form}</div>`;
}

function invoiceHistory(sim: Sim, portal: PortalSessionRecord): string {
  const invoices = sim.state.list('invoice', portal.owner, (i) => i.customer === portal.customer);
  const rows = invoices.map((i) => {
    const amount = typeof i.amount_due === 'number' ? i.amount_due : 0;
    const currency = typeof i.currency === 'string' ? i.currency : 'usd';
    return `<tr class="invoice"><td>${escapeHtml(i.id)} — ${escapeHtml(String(i.status))}</td><td class="amount">${money(amount, currency)}</td></tr>`;
  });
  return `<div class="box" id="invoice-history"><p><strong>Invoice history</strong></p>${rows.length === 0 ? '<p>No invoices.</p>' : `<table>${rows.join('')}</table>`}</div>`;
}

/** The portal offers what its configuration enables: cancelling (immediately or at the period's end), the card, the invoices. */
export function registerPortalPage(app: FastifyInstance, sim: Sim): void {
  app.get<{ Params: { token: string } }>('/p/session/:token', (req, reply): FastifyReply => {
    const portal = sim.state.portalSessions.get(req.params.token);
    if (portal === undefined) return errorPage(reply, 404, 'Session not found', 'This billing portal link is not valid.');
    const features = featuresOf(sim, portal);
    const subs = sim.state.list('subscription', portal.owner, (s) => s.customer === portal.customer && s.status !== 'canceled');
    const rows = subs.map((s) => subscriptionBox(portal, s, features?.subscription_cancel.enabled === true));
    const card = features?.payment_method_update.enabled === true ? '<p class="box" id="payment-method">Payment method: card ending 4242 (test)</p>' : '';
    const invoices = features?.invoice_history.enabled === true ? invoiceHistory(sim, portal) : '';
    const back = portal.returnUrl === null ? '' : `<p><a id="return" href="${escapeHtml(portal.returnUrl)}">Return</a></p>`;
    const body = `<h1>Billing</h1><p>Customer <strong id="customer">${escapeHtml(portal.customer)}</strong></p>
${rows.length === 0 ? '<p class="box" id="no-subscriptions">No active subscriptions.</p>' : rows.join('')}${card}${invoices}${back}`;
    return sendPage(reply, 200, 'Billing portal', body);
  });

  app.post<{ Params: { token: string } }>('/p/session/:token/cancel', async (req, reply) => {
    const portal = sim.state.portalSessions.get(req.params.token);
    if (portal === undefined) return errorPage(reply, 404, 'Session not found', 'This billing portal link is not valid.');
    const cancel = featuresOf(sim, portal)?.subscription_cancel;
    if (cancel?.enabled !== true) return errorPage(reply, 403, 'Not available', 'This portal does not allow cancelling subscriptions.');
    const id = optStr(formOf(req.body), 'subscription') ?? '';
    const sub = sim.state.get(id, portal.owner, 'subscription');
    if (!isKind(sub, 'subscription') || sub.customer !== portal.customer) return errorPage(reply, 404, 'Subscription not found', 'No such subscription.');
    if (sub.status !== 'canceled') await sim.dispatch(cancel.mode === 'immediately' ? cancelSubscription(sim, sub) : endAtPeriodEnd(sim, sub));
    return reply.redirect(`/p/session/${encodeURIComponent(portal.token)}`, 302);
  });
}

/** Stripe's `at_period_end` mode: the subscription stays active until its period ends (customer.subscription.updated). */
function endAtPeriodEnd(sim: Sim, sub: Subscription): StripeObject[] {
  return updateSubscription(sim, sub, (s) => {
    s.cancel_at_period_end = true;
    s.cancel_at = s.current_period_end;
    s.cancellation_details = { comment: null, feedback: null, reason: 'cancellation_requested' };
  });
}
