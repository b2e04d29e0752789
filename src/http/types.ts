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
  /** onRequest hook that enforces the bearer token: before validation, so strangers learn nothing. */
  auth: onRequestHookHandler;
}

/** Route config for the rate-limited routes (onboarding, checkout): per token and IP. */
export function rateLimited(ctx: AppContext): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max: ctx.config.rateLimit.max, timeWindow: ctx.config.rateLimit.windowMs } };
}
