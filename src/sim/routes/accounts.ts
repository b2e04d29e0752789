import type { ApiContext, ApiDeps } from '../api.js';
import { route } from '../api.js';
import { accountInvalid, invalidParam, invalidRequest } from '../errors.js';
import { now, randomChars } from '../ids.js';
import { previousAttributes, type JsonObject } from '../json.js';
import { buildAccount, type Account } from '../objects/account.js';
import { isKind } from '../objects/guards.js';
import { applyMetadata, optObj, optStr, reqStr } from '../params.js';
import { reachableAccount } from '../pipeline.js';
import { listOf } from './common.js';

const TYPES = ['express', 'standard', 'custom'];

function accountType(ctx: ApiContext): string {
  const type = optStr(ctx.params, 'type');
  if (type !== undefined) {
    if (!TYPES.includes(type)) throw invalidParam('type', `Invalid type: must be one of custom, express, or standard`);
    return type;
  }
  // Without `type`, the controller properties decide (Stripe's newer way to ask for Express).
  const controller = optObj(ctx.params, 'controller');
  const dashboard = controller?.stripe_dashboard;
  const dashboardType = typeof dashboard === 'object' && !Array.isArray(dashboard) ? dashboard.type : undefined;
  if (dashboardType === 'express') return 'express';
  if (dashboardType === 'none') return 'custom';
  return 'standard';
}

function requestedCapabilities(ctx: ApiContext): string[] {
  const caps = optObj(ctx.params, 'capabilities');
  if (caps === undefined) return ['card_payments', 'transfers'];
  return Object.entries(caps)
    .filter(([, v]) => typeof v === 'object' && !Array.isArray(v) && v.requested === 'true')
    .map(([k]) => k);
}

/** Accounts are platform objects; a connected account may also read itself. */
export function visibleAccount(ctx: ApiContext, id: string): Account {
  const obj = ctx.sim.state.find(id, 'account')?.obj;
  const visible = ctx.account === null || ctx.account === id;
  if (!visible || !isKind(obj, 'account') || !reachableAccount(ctx.sim, id)) throw accountInvalid(ctx.caller.key, id);
  return obj;
}

export function registerAccountRoutes(deps: ApiDeps): void {
  route(deps, 'POST', '/v1/accounts', (ctx) => {
    if (ctx.account !== null) throw invalidRequest('You cannot create accounts on behalf of a connected account.', {}, 400);
    const email = optStr(ctx.params, 'email') ?? null;
    const country = (optStr(ctx.params, 'country') ?? 'US').toUpperCase();
    const account = buildAccount({
      type: accountType(ctx),
      email,
      country,
      metadata: applyMetadata({}, ctx.params),
      capabilities: requestedCapabilities(ctx),
      businessType: optStr(ctx.params, 'business_type') ?? null,
    });
    return ctx.sim.state.put(account, null);
  });

  route(deps, 'GET', '/v1/accounts', (ctx) => {
    const accounts = ctx.sim.state.list('account', null, (a) => !ctx.sim.state.deauthorized.has(a.id));
    return listOf(ctx, accounts, '/v1/accounts');
  });

  route(deps, 'GET', '/v1/accounts/:id', (ctx) => visibleAccount(ctx, ctx.path.id ?? ''));

  // stripe.accounts.retrieve() without an id: the account the request runs as.
  route(deps, 'GET', '/v1/account', (ctx) => {
    if (ctx.account !== null) return visibleAccount(ctx, ctx.account);
    return { ...buildAccount({ type: 'standard', email: 'platform@example.com', country: 'US', metadata: {}, capabilities: [], businessType: 'company' }), id: 'acct_1SimPlatform00000' };
  });

  route(deps, 'POST', '/v1/accounts/:id', (ctx) => {
    const account = visibleAccount(ctx, ctx.path.id ?? '');
    const before: JsonObject = structuredClone(account);
    account.metadata = applyMetadata(account.metadata, ctx.params);
    const email = optStr(ctx.params, 'email');
    if (email !== undefined) account.email = email;
    const profile = optObj(ctx.params, 'business_profile');
    if (profile !== undefined && typeof account.business_profile === 'object' && account.business_profile !== null && !Array.isArray(account.business_profile)) {
      for (const [k, v] of Object.entries(profile)) if (typeof v === 'string') account.business_profile[k] = v;
    }
    const previous = previousAttributes(before, account);
    if (Object.keys(previous).length > 0) ctx.emit('account.updated', account, { account: account.id, previous });
    return account;
  });

  route(deps, 'DELETE', '/v1/accounts/:id', (ctx) => {
    const account = visibleAccount(ctx, ctx.path.id ?? '');
    ctx.sim.state.remove(account.id);
    return { id: account.id, object: 'account', deleted: true };
  });

  route(deps, 'POST', '/v1/accounts/:id/login_links', (ctx) => {
    const account = visibleAccount(ctx, ctx.path.id ?? '');
    const controller = account.controller;
    const dashboard = typeof controller === 'object' && controller !== null && !Array.isArray(controller) ? controller.stripe_dashboard : null;
    const express = typeof dashboard === 'object' && dashboard !== null && !Array.isArray(dashboard) && dashboard.type === 'express';
    if (!express) throw invalidRequest('Cannot create a login link for an account whose Stripe Dashboard type is not express.', { param: 'account' });
    if (!account.details_submitted) throw invalidRequest('Cannot create a login link for an account that has not completed onboarding.', { param: 'account' });
    const token = randomChars(12);
    ctx.sim.state.loginLinks.set(token, account.id);
    return { object: 'login_link', created: now(), url: `${ctx.sim.config.publicUrl}/express/${account.id}/${token}` };
  });

  route(deps, 'POST', '/v1/account_links', (ctx) => {
    const id = reqStr(ctx.params, 'account');
    const type = reqStr(ctx.params, 'type');
    if (type !== 'account_onboarding' && type !== 'account_update') {
      throw invalidParam('type', 'Invalid type: must be one of account_onboarding or account_update');
    }
    const refreshUrl = reqStr(ctx.params, 'refresh_url');
    const returnUrl = reqStr(ctx.params, 'return_url');
    const stored = ctx.sim.state.find(id, 'account')?.obj;
    if (!isKind(stored, 'account') || !reachableAccount(ctx.sim, id)) {
      throw invalidRequest(`No such account: '${id}'`, { code: 'resource_missing', param: 'account' });
    }
    if (type === 'account_update' && stored.type === 'express') {
      throw invalidParam('type', 'You cannot create `account_update` type Account Links for Express accounts.');
    }
    const token = randomChars(12);
    const created = now();
    const expiresAt = created + 300;
    ctx.sim.state.accountLinks.set(token, { token, account: id, type, refreshUrl, returnUrl, expiresAt, visited: false, used: false });
    return { object: 'account_link', created, expires_at: expiresAt, url: `${ctx.sim.config.publicUrl}/setup/e/${id}/${token}` };
  });
}
