import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What every route plugin receives from the composition root. */
export interface RouteOptions {
  ctx: AppContext;
  /** onRequest hook that admits admin tokens: before validation, so strangers learn nothing. */
  auth: onRequestHookHandler;
  /** The same for `GET /entitlement/…`, which check tokens may call too. */
  checkAuth: onRequestHookHandler;
  /** The same for cross-tenant routes (`/metrics`): admin tokens bound to no tenant. */
  platformAuth: onRequestHookHandler;
}

/** Route config for the rate-limited routes (onboarding, checkout): per token (its principal) and IP. */
export function rateLimited(ctx: AppContext): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max: ctx.config.rateLimit.max, timeWindow: ctx.config.rateLimit.windowMs } };
}
