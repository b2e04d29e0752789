import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Sim } from '../sim.js';
import { errorPage, escapeHtml, sendPage } from './html.js';

/**
 * Stand-ins for the Stripe Dashboard pages the service deep-links to, on Stripe's own paths
 * (`/test/connect/accounts/acct_…`, `/acct_…/test/subscriptions/sub_…`): with STRIPE_API_BASE
 * pointing here, the operator console's links open something real.
 */
function objectPage(sim: Sim, reply: FastifyReply, id: string, types: string[], owner: string | null | undefined): FastifyReply {
  const stored = sim.state.find(id);
  const visible = stored && types.includes(stored.obj.object) && (owner === undefined || stored.owner === owner);
  if (!stored || !visible) return errorPage(reply, 404, 'Not found', `No ${types.join(' or ')} ${id} here.`);
  const status = typeof stored.obj.status === 'string' ? stored.obj.status : null;
  const body = `<h1>Dashboard: ${escapeHtml(stored.obj.object)} <span id="object-id">${escapeHtml(id)}</span></h1>
<div class="box"><p>${stored.owner ? `On connected account <strong id="owner">${escapeHtml(stored.owner)}</strong>` : 'On the platform account'}</p>
${status ? `<p>Status <strong id="status">${escapeHtml(status)}</strong></p>` : ''}</div>
<pre id="object">${escapeHtml(JSON.stringify(stored.obj, null, 2))}</pre>`;
  return sendPage(reply, 200, `${stored.obj.object} ${id}`, body);
}

export function registerDashboardPages(app: FastifyInstance, sim: Sim): void {
  for (const path of ['/test/connect/accounts/:account', '/connect/accounts/:account']) {
    app.get<{ Params: { account: string } }>(path, (req, reply) => objectPage(sim, reply, req.params.account, ['account'], undefined));
  }
  // Test-mode paths only: a live-looking `/:account/payments/…` would shadow the API's JSON 404s.
  app.get<{ Params: { account: string; id: string } }>('/:account/test/subscriptions/:id', (req, reply) =>
    objectPage(sim, reply, req.params.id, ['subscription'], req.params.account),
  );
  app.get<{ Params: { account: string; id: string } }>('/:account/test/payments/:id', (req, reply) =>
    objectPage(sim, reply, req.params.id, ['payment_intent', 'charge'], req.params.account),
  );
}
