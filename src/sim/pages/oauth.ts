import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createOnboardedAccount } from '../flows/accounts.js';
import { randomChars } from '../ids.js';
import { optObj, optStr } from '../params.js';
import { formOf } from '../pipeline.js';
import type { Sim } from '../sim.js';
import { errorPage, escapeHtml, hidden, sendPage, withQuery } from './html.js';

function validRedirect(uri: string | undefined): uri is string {
  if (uri === undefined) return false;
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** GET /oauth/authorize and /express/oauth/authorize: the consent page. */
function authorizePage(sim: Sim, express: boolean) {
  return (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const q = formOf(req.query);
    const clientId = optStr(q, 'client_id');
    if (clientId === undefined || clientId !== sim.config.clientId) {
      return errorPage(reply, 400, 'Invalid client_id', `No application matches the supplied client identifier (${clientId ?? 'none'}).`);
    }
    if ((optStr(q, 'response_type') ?? 'code') !== 'code') return errorPage(reply, 400, 'Invalid response_type', 'response_type must be "code".');
    const redirectUri = optStr(q, 'redirect_uri');
    if (!validRedirect(redirectUri)) return errorPage(reply, 400, 'Invalid redirect_uri', 'A valid http(s) redirect_uri is required.');
    const stripeUser = optObj(q, 'stripe_user');
    const email = stripeUser === undefined ? undefined : optStr(stripeUser, 'email');
    const body = `<h1>Connect your account</h1>
<div class="box"><p>The platform <strong>${escapeHtml(clientId)}</strong> wants to connect to your Stripe ${express ? 'Express ' : ''}account.</p>
${email === undefined ? '' : `<p>Signing in as <strong id="email">${escapeHtml(email)}</strong></p>`}</div>
<form method="post" action="/oauth/authorize/decision">
${hidden('client_id', clientId)}${hidden('redirect_uri', redirectUri)}${hidden('state', optStr(q, 'state'))}
${hidden('scope', optStr(q, 'scope') ?? 'read_write')}${hidden('email', email)}
<button id="approve" type="submit" name="decision" value="approve">Approve</button>
<button id="deny" class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>`;
    return sendPage(reply, 200, 'Connect with Stripe', body);
  };
}

export function registerOAuthPages(app: FastifyInstance, sim: Sim): void {
  app.get('/oauth/authorize', authorizePage(sim, false));
  app.get('/express/oauth/authorize', authorizePage(sim, true));
  app.post('/oauth/authorize/decision', async (req, reply) => {
    const form = formOf(req.body);
    const redirectUri = optStr(form, 'redirect_uri');
    if (optStr(form, 'client_id') !== sim.config.clientId || !validRedirect(redirectUri)) {
      return errorPage(reply, 400, 'Invalid request', 'The authorization request is not valid.');
    }
    const state = optStr(form, 'state');
    if (optStr(form, 'decision') !== 'approve') {
      return reply.redirect(withQuery(redirectUri, { error: 'access_denied', error_description: 'The user denied your request', state }), 302);
    }
    const account = createOnboardedAccount(sim, optStr(form, 'email') ?? null);
    sim.state.oauthAccounts.add(account.id);
    const scope = optStr(form, 'scope') ?? 'read_write';
    const code = `ac_${randomChars(32)}`;
    sim.state.oauthCodes.set(code, { code, account: account.id, scope, used: false, expiresAt: Math.floor(Date.now() / 1000) + 300 });
    const application = { id: sim.config.clientId, object: 'application', name: 'nself-stripe (simulated)' };
    await sim.dispatch([sim.event('account.application.authorized', application, { account: account.id })]);
    return reply.redirect(withQuery(redirectUri, { scope, code, state }), 302);
  });
}
