import { createHash } from 'node:crypto';

// Browser modules import 'lit-html' by name; the import map says where it is served.
// URLs are relative to the page (/console), so the console also works under a proxy's path prefix.
const IMPORT_MAP = JSON.stringify({ imports: { 'lit-html': './console/assets/lit-html.js' } });

/** The Content-Security-Policy source allowing exactly this import map: the page's only inline script. */
export const IMPORT_MAP_HASH = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;

/** The page shell: everything else is drawn by console/assets/main.js from the JSON API. */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nself-stripe console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="console/assets/console.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="console/assets/main.js"></script>
</head>
<body>
<div id="app"><main><h1>nself-stripe console</h1><noscript><p>The console needs JavaScript.</p></noscript></main></div>
</body>
</html>
`;
