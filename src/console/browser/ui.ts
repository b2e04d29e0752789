/// <reference lib="dom" />
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from './api.js';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function time(iso: string | null | undefined, absent = '—'): TemplateResult | string {
  if (!iso) return absent;
  return html`<time datetime=${iso}>${when.format(new Date(iso))}</time>`;
}

export function yesNo(value: boolean, label?: string): TemplateResult {
  return html`<span class=${value ? 'badge ok' : 'badge off'}>${label ?? (value ? 'yes' : 'no')}</span>`;
}

const TONE: Record<string, string> = {
  active: 'ok', processed: 'ok', trialing: 'ok', manual: 'ok', paid: 'ok',
  pending: 'warn', onboarding: 'warn', restricted: 'warn', past_due: 'warn', ignored: 'muted',
  failed: 'bad', deauthorized: 'bad', canceled: 'bad', unpaid: 'bad', revoked: 'bad',
};

export function statusBadge(status: string): TemplateResult {
  return html`<span class="badge ${TONE[status] ?? 'muted'}">${status.replaceAll('_', ' ')}</span>`;
}

/** What a person should read about a failed call: the service's own message. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.status} ${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

/** A link out of the console (the Stripe Dashboard): a new tab that learns nothing of this page. */
export function externalLink(href: string | null, text: string, label: string): TemplateResult | typeof nothing {
  if (!href) return nothing;
  return html`<a href=${href} target="_blank" rel="noopener noreferrer" aria-label=${label}>${text}</a>`;
}

/**
 * Asks before an action that cannot be undone from here. A modal <dialog>: focus stays inside,
 * Escape cancels, and Cancel (the safe choice) has the focus first.
 */
export function confirmAction(title: string, message: string, confirmLabel: string): Promise<boolean> {
  const dialog = document.createElement('dialog');
  dialog.className = 'confirm';
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.setAttribute('aria-describedby', 'confirm-message');
  const heading = Object.assign(document.createElement('h2'), { id: 'confirm-title', textContent: title });
  const text = Object.assign(document.createElement('p'), { id: 'confirm-message', textContent: message });
  const cancel = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Cancel', className: 'secondary' });
  const confirm = Object.assign(document.createElement('button'), { type: 'button', textContent: confirmLabel, className: 'danger' });
  const actions = Object.assign(document.createElement('div'), { className: 'actions' });
  actions.append(cancel, confirm);
  dialog.append(heading, text, actions);
  cancel.addEventListener('click', () => dialog.close('cancel'));
  confirm.addEventListener('click', () => dialog.close('confirm'));
  document.body.append(dialog);
  dialog.showModal();
  cancel.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
  });
}

/** A labelled control in a form bar: the label above, tied to the control by its id. */
export function field(id: string, label: string, control: TemplateResult): TemplateResult {
  return html`<div class="field"><label for=${id}>${label}</label>${control}</div>`;
}

/** Handles a form in script only (see the CSP's form-action), with its fields' values. */
export function onSubmit(handle: (values: Record<string, string>, form: HTMLFormElement) => void) {
  return (event: SubmitEvent): void => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    handle(formValues(form), form);
  };
}

/** A form's text fields by name, trimmed; empty ones left out. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((v, k) => {
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  });
  return out;
}
