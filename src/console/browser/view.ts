import type { TemplateResult } from 'lit-html';
import type { Api } from './api.js';
import type { Session } from './session.js';

/** What every view gets from the shell. */
export interface ViewContext {
  api: Api;
  session: Session;
  /** Re-renders the page from the views' current state. */
  update(): void;
  /** A line in the status area, announced to screen readers. */
  announce(message: string, tone?: 'info' | 'error'): void;
}

export interface View {
  title: string;
  /** (Re)reads what the view shows from the API. */
  load(): Promise<void>;
  render(): TemplateResult;
}

export const VIEW_NAMES = ['overview', 'operators', 'entitlements', 'webhooks'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];
