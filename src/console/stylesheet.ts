/**
 * The console's stylesheet, served as /console/assets/console.css. It lives in a module because
 * the build (tsc) ships only compiled modules to dist/, which is all the image copies.
 * Colours keep text at 4.5:1 contrast or better; below 720 px tables become stacked cards.
 */
export const CONSOLE_CSS = `
:root { color-scheme: light; --text: #1a1f36; --muted: #4f566b; --border: #d5dbe1; --accent: #4b44c9; --danger: #b3261e; --bg: #f6f8fa;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--text); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--border); }
.brand { font-weight: 700; margin: 0; }
nav.views { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; justify-content: space-between; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--border); }
nav.views ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
nav.views a { display: inline-block; padding: .45rem .8rem; border-radius: 6px; color: var(--text); text-decoration: none; }
nav.views a[aria-current="page"] { background: var(--accent); color: #fff; }
main { padding: 1rem; max-width: 90rem; margin: 0 auto; }
main:focus, h1:focus { outline: none; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; min-height: 2.5rem; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
button:disabled { opacity: .6; cursor: not-allowed; }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid #6a7383; border-radius: 6px; min-height: 2.5rem; background: #fff; color: var(--text); max-width: 100%; }
.card { background: #fff; border: 1px solid var(--border); border-radius: 8px; padding: 1rem; margin: 0 0 1rem; }
.bar { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-end; margin: 0 0 1rem; }
.bar > input { flex: 1 1 10rem; }
.field { display: flex; flex-direction: column; gap: .2rem; flex: 1 1 11rem; }
.field label { font-size: .9rem; font-weight: 600; }
.grid { display: grid; grid-template-columns: minmax(8rem, max-content) minmax(0, 24rem); gap: .5rem .75rem; align-items: center; margin-top: .75rem; }
.grid button { grid-column: 2; justify-self: start; }
.hint { color: var(--muted); font-size: .85rem; margin: .15rem 0 0; font-weight: normal; }
.error { color: var(--danger); }
p.error { background: #fff; border-left: 4px solid var(--danger); padding: .5rem .75rem; }
.status { margin: 0 0 1rem; padding: .5rem .75rem; background: #fff; border-left: 4px solid var(--accent); }
.status.error { border-left-color: var(--danger); }
.status:empty { display: none; }
.summary span { display: inline-block; margin-right: .9rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; white-space: nowrap; }
.badge.ok { background: #d7f7c2; color: #05590b; }
.badge.warn { background: #fcedb9; color: #6e4300; }
.badge.bad { background: #ffe7f2; color: #9c1a48; }
.badge.muted, .badge.off { background: #ebeef1; color: #3c4257; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--border); }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid var(--border); }
thead th { font-size: .85rem; color: var(--muted); background: #f0f3f6; }
tr.failed { background: #fff5f8; }
.error-text { color: #8c1d18; max-width: 24rem; overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow: auto; background: #f6f8fa; padding: .75rem; border-radius: 6px; font-size: .8rem; margin: 0; }
code { overflow-wrap: anywhere; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.cards-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr)); gap: 1rem; margin-bottom: 1rem; }
dl.counts { display: grid; grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); gap: .5rem; margin: 0; }
dl.counts dt { color: var(--muted); font-size: .85rem; }
dl.counts dd { margin: 0; font-size: 1.4rem; font-weight: 700; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--border); border-radius: 8px; padding: 1rem; }
figure.chart figcaption { font-weight: 600; margin-bottom: .5rem; }
figure.chart svg { width: 100%; height: 140px; display: block; }
.series-0 { fill: #1a7f37; background: #1a7f37; }
.series-1 { fill: #8c959f; background: #8c959f; }
.series-2 { fill: #cf222e; background: #cf222e; }
.series-3 { fill: #9a6700; background: #9a6700; }
.axis { stroke: #6a7383; }
.axis-labels { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); margin: .25rem 0; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .75rem; padding: 0; margin: .5rem 0 0; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; border-radius: 2px; vertical-align: middle; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.sign-in { max-width: 34rem; }
.sign-in form { display: grid; gap: .5rem; }
.sign-in button { justify-self: start; }
.tenant { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin: 0; }
.tenant input { width: 21rem; }
.pager { display: flex; gap: .75rem; align-items: center; margin: 1rem 0; }
dialog.confirm { border: 1px solid var(--border); border-radius: 8px; padding: 1.25rem; max-width: min(30rem, calc(100vw - 2rem)); }
dialog::backdrop { background: rgb(0 0 0 / .45); }
dialog .actions { justify-content: flex-end; }
details summary { cursor: pointer; font-weight: 600; }
@media (max-width: 720px) {
  table.cards, table.cards tbody, table.cards tr, table.cards th, table.cards td { display: block; width: 100%; }
  table.cards { border: 0; background: transparent; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards tr { background: #fff; border: 1px solid var(--border); border-radius: 8px; margin-bottom: .75rem; padding: .25rem 0; }
  table.cards [data-label] { border: 0; padding: .3rem .75rem; }
  table.cards [data-label]::before { content: attr(data-label); display: block; color: var(--muted); font-size: .8rem; font-weight: 600; }
  .grid { grid-template-columns: minmax(0, 1fr); }
  .grid button { grid-column: 1; }
  header.top .tenant { order: 3; flex-basis: 100%; flex-wrap: nowrap; min-width: 0; }
  .tenant input { width: 0; flex: 1 1 0; min-width: 0; }
}
`;
