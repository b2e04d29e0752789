import { html, svg, type TemplateResult } from 'lit-html';
import type { Series } from './types.js';

const WIDTH = 600;
const HEIGHT = 140;
const when = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/**
 * One stacked bar per minute. Drawn as SVG by hand: about 40 lines, text a screen reader can
 * read (a label naming every total, a <title> per bar), and colours from the stylesheet.
 */
export function stackedBars(title: string, data: Series, id: string): TemplateResult {
  const buckets = data.buckets;
  const stackOf = (counts: Record<string, number>) => data.series.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  const peak = Math.max(1, ...buckets.map((b) => stackOf(b.counts)));
  const slot = WIDTH / Math.max(60, buckets.length);
  const offset = WIDTH - slot * buckets.length;
  const totals = data.series.map((s) => `${data.total[s] ?? 0} ${s}`).join(', ');

  const bar = (b: Series['buckets'][number], i: number) => {
    let y = HEIGHT;
    const label = `${when.format(new Date(b.start))}–${when.format(new Date(b.end))}: ${data.series.map((s) => `${b.counts[s] ?? 0} ${s}`).join(', ')}`;
    return svg`<g><title>${label}</title>${data.series.map((s, k) => {
      const h = ((b.counts[s] ?? 0) / peak) * (HEIGHT - 10);
      y -= h;
      return h > 0 ? svg`<rect class="series-${k}" x=${offset + i * slot + 1} y=${y} width=${Math.max(1, slot - 2)} height=${h}></rect>` : svg``;
    })}</g>`;
  };

  return html`
    <figure class="chart">
      <figcaption id="${id}-caption">${title}</figcaption>
      <svg id=${id} viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-labelledby="${id}-caption ${id}-totals">
        <line class="axis" x1="0" y1=${HEIGHT - 0.5} x2=${WIDTH} y2=${HEIGHT - 0.5}></line>
        ${buckets.map(bar)}
      </svg>
      <p class="axis-labels"><span>${buckets[0] ? when.format(new Date(buckets[0].start)) : ''}</span><span>peak ${peak} a minute</span><span>now</span></p>
      <ul class="legend" id="${id}-totals" aria-label="Totals">
        ${data.series.map((s, k) => html`<li><span class="swatch series-${k}" aria-hidden="true"></span>${s}: <strong>${data.total[s] ?? 0}</strong></li>`)}
      </ul>
      <p class="visually-hidden">Last hour totals: ${totals}.</p>
    </figure>
  `;
}
