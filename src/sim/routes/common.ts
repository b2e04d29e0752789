import type { ApiContext } from '../api.js';
import { invalidParam, noSuch } from '../errors.js';
import type { JsonObject, StripeObject } from '../json.js';
import { optInt, optStr } from '../params.js';
import { isKind, type Kind, type Kinds } from '../objects/guards.js';

/** Stripe's list envelope with limit / starting_after / ending_before paging (newest first). */
export function listOf(ctx: ApiContext, items: StripeObject[], url: string): JsonObject {
  const limit = optInt(ctx.params, 'limit') ?? 10;
  if (limit < 1) throw invalidParam('limit', 'This value must be greater than or equal to 1.');
  if (limit > 100) throw invalidParam('limit', 'This value must be less than or equal to 100.');
  const after = optStr(ctx.params, 'starting_after');
  const before = optStr(ctx.params, 'ending_before');
  if (before !== undefined && after === undefined) {
    const index = items.findIndex((o) => o.id === before);
    if (index < 0) throw noSuch('object', before, 'ending_before', 400);
    // The page just before the cursor (newer objects), still newest first; `has_more` says
    // whether even newer ones remain beyond it, as Stripe's does.
    const newer = items.slice(0, index);
    return { object: 'list', data: newer.slice(Math.max(0, newer.length - limit)), has_more: newer.length > limit, url };
  }
  let window = items;
  if (after !== undefined) {
    const index = items.findIndex((o) => o.id === after);
    if (index < 0) throw noSuch('object', after, 'starting_after', 400);
    window = items.slice(index + 1);
  }
  return { object: 'list', data: window.slice(0, limit), has_more: window.length > limit, url };
}

/** An object visible from the request's account, or Stripe's 404 resource_missing. */
export function mustGet<K extends Kind>(ctx: ApiContext, id: string, kind: K, param = 'id', status = 404): Kinds[K] {
  const obj = ctx.sim.state.get(id, ctx.account, kind);
  if (!isKind(obj, kind)) throw noSuch(kind, id, param, status);
  return obj;
}

/** Same for object types the simulator does not model in detail (refund, dispute, event…). */
export function mustGetAny(ctx: ApiContext, id: string, type: string): StripeObject {
  const obj = ctx.sim.state.get(id, ctx.account, type);
  if (obj === undefined) throw noSuch(type, id);
  return obj;
}

/** `created[gte]=…` style filters on `created`. */
export function createdFilter(ctx: ApiContext): (obj: StripeObject) => boolean {
  const raw = ctx.params.created;
  if (raw === undefined) return () => true;
  if (typeof raw === 'string') return (o) => o.created === Number(raw);
  if (Array.isArray(raw)) return () => true;
  const bound = (k: string): number | undefined => (typeof raw[k] === 'string' ? Number(raw[k]) : undefined);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (o) => {
    const c = typeof o.created === 'number' ? o.created : 0;
    return (gt === undefined || c > gt) && (gte === undefined || c >= gte) && (lt === undefined || c < lt) && (lte === undefined || c <= lte);
  };
}
