import type { FastifyInstance, FastifyReply } from 'fastify';
import { cancelSubscription } from '../flows/billing.js';
import { isKind } from '../objects/guards.js';
import { optStr } from '../params.js';
import { formOf } from '../pipeline.js';
import type { Sim } from '../sim.js';
import { errorPage, escapeHtml, sendPage } from './html.js';

export function registerPortalPage(app: FastifyInstance, sim: Sim): void {
  app.get<{ Params: { token: string } }>('/p/session/:token', (req, reply): FastifyReply => {
    const portal = sim.state.portalSessions.get(req.params.token);
    if (portal === undefined) return errorPage(reply, 404, 'Session not found', 'This billing portal link is not valid.');
    const subs = sim.state.list('subscription', portal.owner, (s) => s.customer === portal.customer && s.status !== 'canceled');
    const rows = subs.map(
      (s) => `<div class="box subscription"><p>Subscription <strong>${escapeHtml(s.id)}</strong> — ${escapeHtml(String(s.status))}</p>
<form method="post" action="/p/session/${encodeURIComponent(portal.token)}/cancel">
<input type="hidden" name="subscription" value="${escapeHtml(s.id)}">
<button id="cancel-subscription" type="submit">Cancel subscription</button></form></div>`,
    );
    const back = portal.returnUrl === null ? '' : `<p><a id="return" href="${escapeHtml(portal.returnUrl)}">Return</a></p>`;
    const body = `<h1>Billing</h1><p>Customer <strong id="customer">${escapeHtml(portal.customer)}</strong></p>
${rows.length === 0 ? '<p class="box" id="no-subscriptions">No active subscriptions.</p>' : rows.join('')}${back}`;
    return sendPage(reply, 200, 'Billing portal', body);
  });

  app.post<{ Params: { token: string } }>('/p/session/:token/cancel', async (req, reply) => {
    const portal = sim.state.portalSessions.get(req.params.token);
    if (portal === undefined) return errorPage(reply, 404, 'Session not found', 'This billing portal link is not valid.');
    const id = optStr(formOf(req.body), 'subscription') ?? '';
    const sub = sim.state.get(id, portal.owner, 'subscription');
    if (!isKind(sub, 'subscription') || sub.customer !== portal.customer) return errorPage(reply, 404, 'Subscription not found', 'No such subscription.');
    if (sub.status !== 'canceled') await sim.dispatch(cancelSubscription(sim, sub));
    return reply.redirect(`/p/session/${encodeURIComponent(portal.token)}`, 302);
  });
}
