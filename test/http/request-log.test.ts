import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { redactUrl } from '../../src/logger.js';
import { AUTH, BEARER } from '../helpers/config.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: Record<string, unknown>;
  res?: { statusCode: number };
  responseTime?: number;
  service?: string;
}

const linesOf = (t: TestApp): Line[] =>
  t.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);

describe('the request line', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is one line per answered request, with the request, status and time and no header', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/entitlement/log-line-1/pro',
      headers: { ...AUTH, cookie: 'session=cookie-secret-value', 'x-request-id': 'req-line-1' },
    });
    expect(res.statusCode).toBe(200);
    const mine = linesOf(t).filter((l) => l.reqId === 'req-line-1');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      service: 'nself-stripe',
      req: { id: 'req-line-1', method: 'GET', url: '/entitlement/log-line-1/pro', ip: '127.0.0.1' },
      res: { statusCode: 200 },
    });
    expect(Object.keys(mine[0]!.req!).sort()).toEqual(['id', 'ip', 'method', 'url']);
    expect(typeof mine[0]!.responseTime).toBe('number');
    const all = t.logs.join('');
    expect(all).not.toContain(BEARER);
    expect(all).not.toContain('cookie-secret-value');
  });

  it('replaces the values of code and state in the URL it logs', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/no-such-route?code=ac_secret_code_123&state=signed-state-456&keep=yes',
      headers: { 'x-request-id': 'req-line-2' },
    });
    expect(res.statusCode).toBe(404);
    const mine = linesOf(t).filter((l) => l.reqId === 'req-line-2' && l.msg === 'request completed');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.req!.url).toBe('/no-such-route?code=[redacted]&state=[redacted]&keep=yes');
    expect(mine[0]!.res).toEqual({ statusCode: 404 });
    const all = t.logs.join('');
    expect(all).not.toContain('ac_secret_code_123');
    expect(all).not.toContain('signed-state-456');
  });

  it('replaces code and state wherever a separator precedes them, and leaves other URLs as they are', () => {
    expect(redactUrl('/oauth/callback?state=s1&code=c1')).toBe('/oauth/callback?state=[redacted]&code=[redacted]');
    expect(redactUrl('/odd&code=c2/path')).toBe('/odd&code=[redacted]');
    expect(redactUrl('/entitlement/user-1/pro')).toBe('/entitlement/user-1/pro');
    expect(redactUrl('/a?encode=1&codes=2')).toBe('/a?encode=1&codes=2');
  });

  it('still redacts what the service logs with secrets in it', () => {
    t.app.ctx.logger.warn({ headers: { authorization: `Bearer ${BEARER}` }, token: { access_token: 'sk_access_leak' } }, 'probe');
    const probe = linesOf(t).filter((l) => l.msg === 'probe');
    expect(probe).toHaveLength(1);
    expect(JSON.stringify(probe[0])).not.toContain(BEARER);
    expect(JSON.stringify(probe[0])).not.toContain('sk_access_leak');
  });
});

describe('the request line at LOG_LEVEL=warn', () => {
  it('is not written', async () => {
    const t = await buildTestApp({ env: { LOG_LEVEL: 'warn' } });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/entitlement/log-line-3/pro', headers: AUTH });
      expect(res.statusCode).toBe(200);
      expect(linesOf(t).filter((l) => l.msg === 'request completed')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
