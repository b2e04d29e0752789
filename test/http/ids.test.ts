import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { AUTH } from '../helpers/config.js';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t.close();
});

interface Answer {
  statusCode: number;
  json(): { error: { code: string; details?: unknown } };
}

/**
 * Over a real socket with the path exactly as written: inject() and fetch() both run the
 * path through the URL parser, which would collapse the very segments under test.
 */
function send(route: { method: string; url: string; payload?: unknown }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = route.payload === undefined ? undefined : JSON.stringify(route.payload);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: route.method,
        path: route.url,
        headers: { ...AUTH, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ statusCode: res.statusCode ?? 0, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Any URL client (fetch, curl without --path-as-is) collapses these segments into another
// route, so an id spelled like them could never be checked: the server refuses them.
const DOT_SEGMENTS = ['.', '..', '%2E', '%2e', '%2e%2E', '.%2E'];

describe('entity ids and capabilities that are dot segments', () => {
  it.each(DOT_SEGMENTS)('GET /entitlement/%s/pro is a 400 validation_error', async (segment) => {
    const res = await send({ method: 'GET', url: `/entitlement/${segment}/pro` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_error', details: [{ where: 'params', path: '/entity_id' }] } });
  });

  it.each(DOT_SEGMENTS)('GET /entitlement/user-1/%s is a 400 validation_error', async (segment) => {
    const res = await send({ method: 'GET', url: `/entitlement/user-1/${segment}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_error', details: [{ where: 'params', path: '/capability' }] } });
  });

  it.each(['%2E', '%2e%2E'])('the account and grant routes refuse %s too', async (segment) => {
    for (const route of [
      { method: 'GET' as const, url: `/account/${segment}` },
      { method: 'POST' as const, url: `/account/${segment}/disconnect` },
      { method: 'POST' as const, url: `/entitlement/${segment}/pro/grant`, payload: {} },
    ]) {
      const res = await send(route);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_error');
    }
  });

  it.each(['.', '..'])('POST /onboard refuses entity_id %j in the body', async (entity) => {
    const res = await send({ method: 'POST', url: '/onboard', payload: { entity_id: entity } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_error');
  });

  it('still accepts ids that merely contain dots', async () => {
    for (const url of ['/entitlement/.../pro', '/entitlement/a.b/pro.plus', '/entitlement/.hidden/pro', '/entitlement/%2E%2E%2E/pro']) {
      const res = await send({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
    }
  });
});
