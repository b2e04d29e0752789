import type { FastifyReply } from 'fastify';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A plain server-rendered page: no scripts, every action is a form POST a headless browser can click. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}
h1{font-size:1.4rem}.box{border:1px solid #e3e8ee;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}
button.secondary,a.secondary{background:#fff;color:#635bff;border:1px solid #635bff}
table{width:100%;border-collapse:collapse}td{padding:.3rem 0}td.amount{text-align:right}
.sim{font-size:.8rem;color:#697386}</style></head>
<body>${body}<p class="sim">Stripe simulator (test mode) — nothing here talks to Stripe.</p></body></html>`;
}

export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page(title, body));
}

export function errorPage(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return sendPage(reply, status, title, `<h1 id="error">${escapeHtml(title)}</h1><p class="box">${escapeHtml(message)}</p>`);
}

export function hidden(name: string, value: string | null | undefined): string {
  return value === null || value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export function money(amount: number, currency: string): string {
  const zeroDecimal = ['jpy', 'krw', 'vnd', 'clp'].includes(currency);
  const value = zeroDecimal ? amount : amount / 100;
  return `${value.toFixed(zeroDecimal ? 0 : 2)} ${currency.toUpperCase()}`;
}

/** Add query parameters to a URL the way Stripe appends `code`/`state` to redirect URIs. */
export function withQuery(url: string, params: Record<string, string | null | undefined>): string {
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) target.searchParams.set(k, v);
  return target.toString();
}
