import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_CSS } from './stylesheet.js';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const JS = 'text/javascript; charset=utf-8';
const BROWSER_DIR = fileURLToPath(new URL('./browser/', import.meta.url));
// Run from source (npm run dev, tests) the browser modules are TypeScript; built, tsc made them JavaScript.
const FROM_SOURCE = import.meta.url.endsWith('.ts');

// Source maps are not served (tsc's point at src/): a browser would only ask for them in vain.
const withoutSourceMap = (js: string): string => js.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');

function asset(text: string, type: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** The browser modules as JavaScript: tsc's output when built, else transpiled here once (TypeScript is then installed). */
async function browserModules(): Promise<Map<string, string>> {
  const files = await readdir(BROWSER_DIR);
  const out = new Map<string, string>();
  if (FROM_SOURCE) {
    const { default: ts } = await import('typescript');
    const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 };
    for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
      const source = await readFile(join(BROWSER_DIR, file), 'utf8');
      out.set(file.replace(/\.ts$/, '.js'), ts.transpileModule(source, { compilerOptions, fileName: file }).outputText);
    }
  } else {
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      out.set(file, withoutSourceMap(await readFile(join(BROWSER_DIR, file), 'utf8')));
    }
  }
  return out;
}

/** lit-html's browser build (its package's `node` export is another build, for servers). */
async function litHtml(): Promise<string> {
  let dir = dirname(createRequire(import.meta.url).resolve('lit-html'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return withoutSourceMap(await readFile(join(dir, 'lit-html.js'), 'utf8'));
}

async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, text] of await browserModules()) assets.set(name, asset(text, JS));
  assets.set('lit-html.js', asset(await litHtml(), JS));
  assets.set('console.css', asset(CONSOLE_CSS, 'text/css; charset=utf-8'));
  return assets;
}

let loading: Promise<Map<string, Asset>> | null = null;

/** Read once, on the first request for an asset: a service that never serves the console never pays for it. */
export function consoleAssets(): Promise<Map<string, Asset>> {
  loading ??= loadAssets().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}
