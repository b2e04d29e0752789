import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiDeps } from './api.js';
import { errorBody } from './api.js';
import { invalidRequest } from './errors.js';
import { parseForm } from './form.js';
import type { IdempotencyStore } from './idempotency.js';
import { newRequestId } from './pipeline.js';
import { registerCheckoutPage } from './pages/checkout.js';
import { registerDashboardPages } from './pages/dashboard.js';
import { registerOAuthPages } from './pages/oauth.js';
import { registerOnboardingPages } from './pages/onboarding.js';
import { registerPortalPage } from './pages/portal.js';
import { registerReturnPage } from './pages/return.js';
import { registerAccountRoutes } from './routes/accounts.js';
import { registerBillingRoutes } from './routes/billing.js';
import { registerCatalogRoutes } from './routes/catalog.js';
import { registerCheckoutRoutes } from './routes/checkout.js';
import { registerControlRoutes } from './routes/control.js';
import { registerOAuthApi } from './routes/oauth.js';
import { registerPortalRoutes } from './routes/portal.js';
import type { Sim } from './sim.js';

/** Builds the Fastify app: Stripe API, OAuth, hosted pages and the /_sim control API. */
export function buildServer(sim: Sim, idempotency: IdempotencyStore, logger: FastifyBaseLogger | undefined): FastifyInstance {
  const app = logger === undefined ? Fastify({ logger: false, routerOptions: { querystringParser: parseForm } }) : Fastify({ loggerInstance: logger, routerOptions: { querystringParser: parseForm } });
  // Stripe's bracket form encoding, for the API and for the hosted pages' forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
  });
  const log = (message: string): void => {
    if (logger !== undefined) logger.warn(message);
  };
  const deps: ApiDeps = { app, sim, idempotency, log };
  registerAccountRoutes(deps);
  registerCatalogRoutes(deps);
  registerCheckoutRoutes(deps);
  registerPortalRoutes(deps);
  registerBillingRoutes(deps);
  registerOAuthApi(deps);
  registerOAuthPages(app, sim);
  registerOnboardingPages(app, sim);
  registerCheckoutPage(app, sim);
  registerPortalPage(app, sim);
  registerReturnPage(app);
  registerDashboardPages(app, sim);
  registerControlRoutes({ app, sim, idempotency });
  app.setNotFoundHandler((req, reply) => {
    const requestId = newRequestId();
    const err = invalidRequest(`Unrecognized request URL (${req.method}: ${req.url.split('?')[0] ?? ''}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, {}, 404);
    return reply.code(404).header('request-id', requestId).send(errorBody(err, requestId));
  });
  return app;
}
