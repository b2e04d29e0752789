import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /console', () => {
  it('serves the page with a strict Content-Security-Policy: no inline script but the hashed import map', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/console' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Every <script> is the import map or an external module.
    const scripts = [...res.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!.trim());
    expect(scripts).toEqual(['type="importmap"', 'type="module" src="console/assets/main.js"']);
  });

  it('serves every module the page loads, lit-html and the stylesheet, with ETags', async () => {
    const main = await t.app.inject({ method: 'GET', url: '/console/assets/main.js' });
    expect(main.statusCode).toBe(200);
    expect(main.headers['content-type']).toMatch(/^text\/javascript/);
    expect(main.body).not.toMatch(/:\s*Session\b|interface /);
    const imports = [...main.body.matchAll(/from '\.\/([a-z-]+\.js)'/g)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(4);
    for (const file of [...imports, 'lit-html.js', 'console.css']) {
      const res = await t.app.inject({ method: 'GET', url: `/console/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.body).not.toContain('sourceMappingURL');
    }
    const again = await t.app.inject({ method: 'GET', url: '/console/assets/main.js', headers: { 'if-none-match': String(main.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers 404 for anything else under the assets, path tricks included', async () => {
    for (const file of ['nope.js', '..%2Fplugin.ts', 'session.ts', '%2e%2e%2fpackage.json']) {
      const res = await t.app.inject({ method: 'GET', url: `/console/assets/${file}` });
      expect([400, 404], file).toContain(res.statusCode);
      expect(res.json()).toMatchObject({ error: { code: expect.any(String) } });
    }
  });

  it('adds its security headers to the console only, not to the JSON API', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/entitlement/x/pro', headers: ADMIN });
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});
