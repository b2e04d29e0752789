import type { FastifyInstance, FastifyReply } from 'fastify';
import { paySessionByBankDebit } from '../flows/checkout-async.js';
import { expireIfDue, paySession } from '../flows/checkout.js';
import { isKind } from '../objects/guards.js';
import type { CheckoutSession } from '../objects/checkout.js';
import { optStr } from '../params.js';
import { formOf } from '../pipeline.js';
import type { Sim } from '../sim.js';
import { errorPage, escapeHtml, money, sendPage } from './html.js';

function sessionOf(sim: Sim, id: string): CheckoutSession | undefined {
  const obj = sim.state.find(id, 'checkout.session')?.obj;
  if (!isKind(obj, 'checkout.session')) return undefined;
  const expired = expireIfDue(sim, obj);
  if (expired.length > 0) void sim.dispatch(expired);
  return obj;
}

function closedPage(reply: FastifyReply, session: CheckoutSession): FastifyReply {
  const why = session.status === 'complete' ? 'This payment has already been completed.' : 'This checkout session has expired.';
  return errorPage(reply, 410, 'Checkout session is no longer available', why);
}

function linesTable(sim: Sim, session: CheckoutSession): string {
  const items = sim.state.sessionLineItems.get(session.id) ?? [];
  const rows = items.map((item) => {
    const amount = typeof item.amount_total === 'number' ? item.amount_total : 0;
    const currency = typeof item.currency === 'string' ? item.currency : 'usd';
    const name = typeof item.description === 'string' ? item.description : '';
    const quantity = typeof item.quantity === 'number' ? item.quantity : 1;
    return `<tr class="line-item"><td>${escapeHtml(name)} × ${quantity}</td><td class="amount">${money(amount, currency)}</td></tr>`;
  });
  const total = money(session.amount_total ?? 0, session.currency ?? 'usd');
  const suffix = session.mode === 'subscription' ? ' (recurring)' : '';
  return `<table>${rows.join('')}<tr><td><strong>Total${suffix}</strong></td><td class="amount" id="total"><strong>${total}</strong></td></tr></table>`;
}

export function registerCheckoutPage(app: FastifyInstance, sim: Sim): void {
  app.get<{ Params: { id: string } }>('/c/pay/:id', (req, reply): FastifyReply => {
    const session = sessionOf(sim, req.params.id);
    if (session === undefined) return errorPage(reply, 404, 'Checkout session not found', 'Something went wrong: this link is not valid.');
    if (session.status !== 'open') return closedPage(reply, session);
    const emailField =
      session.customer === null
        ? `<label>Email <input id="email" name="email" type="email" value="${escapeHtml(session.customer_email ?? '')}" required></label>`
        : `<p>Paying as customer <strong id="customer">${escapeHtml(session.customer)}</strong></p>`;
    const body = `<h1>${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</h1>
<div class="box">${linesTable(sim, session)}</div>
<form method="post" action="/c/pay/${encodeURIComponent(session.id)}">
<div class="box">${emailField}<p>Card: 4242 4242 4242 4242 · 12/34 · 123 (test)</p></div>
<button id="pay" type="submit">${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
<button id="pay-bank-debit" class="secondary" type="submit" name="payment_method" value="us_bank_account">Pay by bank debit (settles later)</button>
</form>
${session.cancel_url === null ? '' : `<p><a id="cancel" class="secondary" href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`}`;
    return sendPage(reply, 200, 'Checkout', body);
  });

  app.post<{ Params: { id: string } }>('/c/pay/:id', async (req, reply) => {
    const session = sessionOf(sim, req.params.id);
    if (session === undefined) return errorPage(reply, 404, 'Checkout session not found', 'Something went wrong: this link is not valid.');
    if (session.status !== 'open') return closedPage(reply, session);
    const form = formOf(req.body);
    const email = optStr(form, 'email');
    const buyer = email === undefined || email === '' ? null : email;
    // A bank debit completes the session unpaid; POST /_sim/checkout_sessions/:id/settle answers for the bank.
    const events = optStr(form, 'payment_method') === 'us_bank_account' ? paySessionByBankDebit(sim, session, buyer) : paySession(sim, session, buyer);
    // Wait for the first delivery attempts so the service knows before the buyer lands.
    await sim.dispatch(events);
    const success = session.success_url ?? (typeof session.return_url === 'string' ? session.return_url : '/');
    return reply.redirect(success.replaceAll('{CHECKOUT_SESSION_ID}', session.id), 302);
  });
}
