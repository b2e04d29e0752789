/// <reference lib="dom" />
import { html, type TemplateResult } from 'lit-html';
import type { Session } from './session.js';
import { verifySession } from './sign-in.js';
import { errorText, formValues } from './ui.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant the console acts in. A token bound to no tenant may name any (X-Tenant-Id); a
 * tenant-bound token acts in its own, so it gets no switcher.
 */
export function tenantSwitcher(
  session: Session,
  onSwitch: (next: Session) => void,
  announce: (text: string, tone?: 'info' | 'error') => void,
): TemplateResult {
  if (!session.platform) {
    return html`<p class="tenant">Tenant: ${session.tenantId ?? "this token's own"}</p>`;
  }
  async function submit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const tenant = formValues(event.currentTarget as HTMLFormElement).tenant ?? null;
    if (tenant !== null && !UUID.test(tenant)) return announce('The tenant must be a UUID (or empty for the default tenant).', 'error');
    try {
      onSwitch(await verifySession(session.token, tenant?.toLowerCase() ?? null));
    } catch (err) {
      announce(`Could not switch tenant: ${errorText(err)}`, 'error');
    }
  }
  return html`
    <form class="tenant" @submit=${submit} aria-label="Tenant">
      <label for="tenant-switch">Tenant</label>
      <input id="tenant-switch" name="tenant" .value=${session.tenantId ?? ''} placeholder="default tenant" autocomplete="off" spellcheck="false" />
      <button type="submit" class="secondary">Switch</button>
    </form>
  `;
}
