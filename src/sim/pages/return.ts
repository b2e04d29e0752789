import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml, sendPage } from './html.js';

/**
 * Where `npm run dev`'s walkthrough sends a buyer back from Checkout: the page a tenant's own
 * application would show, saying what happened instead of some unrelated JSON.
 */
export function registerReturnPage(app: FastifyInstance): void {
  app.get<{ Querystring: { outcome?: string; session_id?: string } }>('/_sim/return', (req, reply): FastifyReply => {
    const paid = req.query.outcome !== 'cancel';
    const session = req.query.session_id ? ` (Checkout Session <strong id="session">${escapeHtml(req.query.session_id)}</strong>)` : '';
    const body = paid
      ? `<h1 id="outcome">Payment complete</h1><p class="box">Stripe has taken the payment${session}. The service grants
the capabilities when Stripe's webhook arrives, usually within a second: check <code>billing.can</code> now.</p>`
      : `<h1 id="outcome">Checkout canceled</h1><p class="box">Nothing was charged and nothing was granted.</p>`;
    return sendPage(reply, 200, paid ? 'Payment complete' : 'Checkout canceled', body);
  });
}
