import type { FastifyRequest } from 'fastify';
import type { AccountStatus } from './status.js';

/**
 * What an operator's browser sees back from onboarding when /onboard named no return_url: a
 * small page saying what happened. API clients (no text/html in Accept) keep the JSON answer.
 */

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const MEANING: Record<AccountStatus, string> = {
  active: 'The account can take payments and receive payouts.',
  restricted: 'Stripe still needs something before payments or payouts are enabled.',
  onboarding: 'Onboarding is not finished yet: the link from /onboard takes you back to it.',
  pending: 'Onboarding has not started yet.',
  deauthorized: 'The account is disconnected from the platform.',
};

// Inline styles only, and nothing else may load or run.
export const CALLBACK_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

export function callbackPage(body: { status: AccountStatus; account_id: string; entity_id: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Onboarding: ${escapeHtml(body.status)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><h1>Back from Stripe: <span id="status">${escapeHtml(body.status)}</span></h1>
<p>${escapeHtml(MEANING[body.status])}</p>
<p>Operator <strong id="entity-id">${escapeHtml(body.entity_id)}</strong>, Stripe account <strong id="account-id">${escapeHtml(body.account_id)}</strong>.</p>
<p>You can close this tab.</p></body></html>`;
}
