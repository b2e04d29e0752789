import { html, nothing, type TemplateResult } from 'lit-html';

/** Keyset paging: the list routes hand back `next_cursor`; going back replays the cursors seen. */
export interface Pager {
  /** The cursor of the page on show (undefined: the first page). */
  cursor(): string | undefined;
  /** Back to the first page, and reload. */
  reset(): void;
  render(next: string | null): TemplateResult | typeof nothing;
}

export function pager(reload: () => Promise<void>): Pager {
  const seen: string[] = [];
  const go = (): void => void reload();
  return {
    cursor: () => seen.at(-1),
    reset() {
      seen.length = 0;
      go();
    },
    render(next) {
      if (seen.length === 0 && next === null) return nothing;
      return html`<nav class="pager" aria-label="Pages">
        <button type="button" class="secondary" ?disabled=${seen.length === 0} @click=${() => { seen.pop(); go(); }}>Previous page</button>
        <span>page ${seen.length + 1}</span>
        <button type="button" class="secondary" ?disabled=${next === null} @click=${() => { if (next) seen.push(next); go(); }}>Next page</button>
      </nav>`;
    },
  };
}
