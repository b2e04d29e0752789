/// <reference lib="dom" />
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError, createApi } from './api.js';
import type { Session } from './session.js';
import { errorText, formValues } from './ui.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a token cannot run the console, in words an operator can act on. */
function refusal(err: unknown): string {
  if (!(err instanceof ApiError)) return `The service could not be reached: ${errorText(err)}`;
  if (err.status === 401) return 'This token is not accepted by the service.';
  if (err.code === 'tenant_forbidden') return 'This token belongs to another tenant: it cannot act in the tenant you named.';
  if (err.status === 403) return 'This is a check token: it may only ask billing.can. The console needs an admin token.';
  return errorText(err);
}

/**
 * Tries the token on an admin route (a check token or another tenant's token is refused there),
 * then on a cross-tenant one to learn whether it may switch tenants.
 */
export async function verifySession(token: string, tenantId: string | null): Promise<Session> {
  const probe: Session = { token, tenantId, platform: false };
  await createApi(probe).get('/accounts', { limit: 1 });
  try {
    await createApi(probe).get('/metrics/summary', { minutes: 1 });
    return { ...probe, platform: true };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return probe;
    throw err;
  }
}

export function createSignIn(onSignedIn: (session: Session) => void, update: () => void) {
  let error: string | null = null;
  let busy = false;

  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const values = formValues(event.currentTarget as HTMLFormElement);
    const tenant = values.tenant ?? null;
    if (tenant !== null && !UUID.test(tenant)) {
      error = 'The tenant must be a UUID (or left empty).';
      return update();
    }
    busy = true;
    error = null;
    update();
    try {
      onSignedIn(await verifySession(values.token ?? '', tenant));
    } catch (err) {
      error = refusal(err);
    } finally {
      busy = false;
      update();
    }
  }

  return (): TemplateResult => html`
    <main id="main" class="sign-in">
      <h1>nself-stripe console</h1>
      <p>Sign in with an admin bearer token (<code>NSELF_BEARER_TOKEN</code>). It is kept in this browser tab's session only and sent to the service's API as <code>Authorization</code>.</p>
      <form class="card" @submit=${submit} novalidate>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false" />
        <label for="tenant">Tenant <span class="hint">(UUID, optional: empty = the token's own or the default tenant)</span></label>
        <input id="tenant" name="tenant" type="text" inputmode="text" autocomplete="off" spellcheck="false" />
        ${error ? html`<p class="error" role="alert" id="sign-in-error">${error}</p>` : nothing}
        <button type="submit" ?disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  `;
}
