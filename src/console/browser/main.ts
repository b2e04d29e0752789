/// <reference lib="dom" />
import { html, nothing, render } from 'lit-html';
import { createApi } from './api.js';
import { createEntitlementsView } from './entitlements.js';
import { createOperatorsView } from './operators.js';
import { createOverviewView } from './overview.js';
import { clearSession, loadSession, saveSession, type Session } from './session.js';
import { createSignIn } from './sign-in.js';
import { tenantSwitcher } from './tenant.js';
import { VIEW_NAMES, type View, type ViewContext, type ViewName } from './view.js';
import { createWebhooksView } from './webhooks.js';

const root = document.getElementById('app')!;
// lit-html renders next to what is there: the page's placeholder goes first.
root.replaceChildren();
let session = loadSession();
let views: Record<ViewName, View> | null = null;
let status = { text: '', tone: 'info' as 'info' | 'error' };
let loading = false;

// Other fragments (the skip link's #main) leave the view as it is.
const viewOfHash = (): ViewName | null => VIEW_NAMES.find((v) => `#${v}` === location.hash) ?? null;
let active: ViewName = viewOfHash() ?? 'overview';

function announce(text: string, tone: 'info' | 'error' = 'info'): void {
  status = { text, tone };
  update();
}

function startViews(s: Session): void {
  const ctx: ViewContext = { api: createApi(s), session: s, update, announce };
  views = {
    overview: createOverviewView(ctx),
    operators: createOperatorsView(ctx),
    entitlements: createEntitlementsView(ctx),
    webhooks: createWebhooksView(ctx),
  };
}

function show(name: ViewName, focus: boolean): void {
  if (!views) return;
  status = { text: '', tone: 'info' };
  loading = true;
  update();
  void views[name].load().finally(() => {
    loading = false;
    update();
    // Moving focus to the new view's heading tells a screen reader user where they are.
    if (focus) document.getElementById('view-heading')?.focus();
  });
}

function signIn(s: Session): void {
  session = s;
  saveSession(s);
  startViews(s);
  show(active, true);
}

function signOut(): void {
  clearSession();
  session = null;
  views = null;
  update();
}

const signInForm = createSignIn(signIn, update);

function shell(s: Session, vs: Record<ViewName, View>) {
  const name = active;
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <p class="brand">nself-stripe console</p>
      ${tenantSwitcher(s, (next) => signIn(next), announce)}
      <button type="button" class="secondary" @click=${signOut}>Sign out</button>
    </header>
    <nav class="views" aria-label="Console views">
      <ul>
        ${VIEW_NAMES.map(
          (v) => html`<li><a href="#${v}" aria-current=${v === name ? 'page' : 'false'}>${vs[v].title}</a></li>`,
        )}
      </ul>
      <button type="button" class="secondary" @click=${() => show(active, false)}>Refresh</button>
    </nav>
    <main id="main" tabindex="-1" aria-busy=${loading ? 'true' : 'false'}>
      <p class="status ${status.tone}" role=${status.tone === 'error' ? 'alert' : 'status'} aria-live="polite">${status.text || nothing}</p>
      ${vs[name].render()}
    </main>
  `;
}

function update(): void {
  render(session && views ? shell(session, views) : signInForm(), root);
}

window.addEventListener('hashchange', () => {
  const name = viewOfHash();
  if (name === null || name === active) return;
  active = name;
  show(name, true);
});
if (session) {
  startViews(session);
  show(active, false);
} else {
  update();
}
