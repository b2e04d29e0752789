import type { FastifyInstance, FastifyReply } from 'fastify';
import { completeOnboarding } from '../flows/accounts.js';
import { isKind } from '../objects/guards.js';
import { reachableAccount } from '../pipeline.js';
import type { Sim } from '../sim.js';
import type { AccountLinkRecord } from '../state.js';
import { errorPage, escapeHtml, sendPage } from './html.js';

interface LinkParams {
  account: string;
  token: string;
}

function linkOf(sim: Sim, params: LinkParams): AccountLinkRecord | undefined {
  const link = sim.state.accountLinks.get(params.token);
  return link !== undefined && link.account === params.account ? link : undefined;
}

/**
 * Stripe sends the browser to refresh_url when the link expired, was already visited, or the
 * platform lost access: https://docs.stripe.com/connect/express-accounts#refresh-url
 */
function stale(sim: Sim, link: AccountLinkRecord): boolean {
  return link.used || link.expiresAt < Math.floor(Date.now() / 1000) || !reachableAccount(sim, link.account);
}

export function registerOnboardingPages(app: FastifyInstance, sim: Sim): void {
  app.get<{ Params: LinkParams }>('/setup/e/:account/:token', (req, reply): FastifyReply => {
    const link = linkOf(sim, req.params);
    if (link === undefined) return errorPage(reply, 404, 'Link not found', 'This onboarding link is not valid.');
    if (stale(sim, link) || link.visited) {
      link.used = true;
      return reply.redirect(link.refreshUrl, 302);
    }
    link.visited = true;
    const base = `/setup/e/${encodeURIComponent(link.account)}/${encodeURIComponent(link.token)}`;
    const body = `<h1>Set up your payouts</h1>
<div class="box"><p>Account <strong id="account-id">${escapeHtml(link.account)}</strong></p>
<p>Business type: individual · Country: US · Bank account: 000123456789 (test)</p></div>
<form method="post" action="${base}/submit"><button id="complete-onboarding" type="submit">Agree and submit</button></form>
<form method="post" action="${base}/refresh"><button id="refresh" class="secondary" type="submit">Simulate an expired link</button></form>`;
    return sendPage(reply, 200, 'Stripe Express onboarding', body);
  });

  app.post<{ Params: LinkParams }>('/setup/e/:account/:token/submit', async (req, reply) => {
    const link = linkOf(sim, req.params);
    if (link === undefined) return errorPage(reply, 404, 'Link not found', 'This onboarding link is not valid.');
    if (link.used || link.expiresAt < Math.floor(Date.now() / 1000) || !reachableAccount(sim, link.account)) {
      link.used = true;
      return reply.redirect(link.refreshUrl, 302);
    }
    link.used = true;
    const account = sim.state.find(link.account, 'account')?.obj;
    if (isKind(account, 'account')) await sim.dispatch(completeOnboarding(sim, account));
    return reply.redirect(link.returnUrl, 302);
  });

  app.post<{ Params: LinkParams }>('/setup/e/:account/:token/refresh', (req, reply): FastifyReply => {
    const link = linkOf(sim, req.params);
    if (link === undefined) return errorPage(reply, 404, 'Link not found', 'This onboarding link is not valid.');
    link.used = true;
    return reply.redirect(link.refreshUrl, 302);
  });

  // Where a login link lands: a stand-in for the Express Dashboard.
  app.get<{ Params: { account: string; token: string } }>('/express/:account/:token', (req, reply): FastifyReply => {
    if (sim.state.loginLinks.get(req.params.token) !== req.params.account) return errorPage(reply, 404, 'Link not found', 'This login link is not valid.');
    sim.state.loginLinks.delete(req.params.token);
    return sendPage(reply, 200, 'Express Dashboard', `<h1>Express Dashboard</h1><p class="box" id="account-id">${escapeHtml(req.params.account)}</p>`);
  });
}
