import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { mapStripeError } from '../stripe/errors.js';
import { AppError, errorBody } from './errors.js';

// PostgreSQL connection-level failures: the database is away, not the request wrong.
const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08006', '08001', '08003', '08000']);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && DB_DOWN_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    err.message,
  );
}

/** The one place errors become responses: `{error: {code, message, details}}`, never internals on 5xx. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('route_not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        where: err.validationContext,
        path: v.instancePath || '/',
        message: v.message,
      }));
      return reply.code(400).send(errorBody('validation_error', `Invalid request ${err.validationContext ?? 'input'}`, details));
    }
    const mapped = err instanceof AppError ? err : mapStripeError(err);
    if (mapped) {
      if (mapped.statusCode >= 500) request.log.warn({ err: { code: mapped.code, details: mapped.details } }, mapped.message);
      return reply.code(mapped.statusCode).send(errorBody(mapped.code, mapped.message, mapped.details));
    }
    if (isDatabaseUnavailable(err)) {
      request.log.error({ err: { message: err.message, code: err.code } }, 'database unavailable');
      return reply.code(503).send(errorBody('database_unavailable', 'The database is unavailable; retry later'));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = (err.code ?? 'bad_request').replace(/^FST_ERR_/, '').toLowerCase();
      return reply.code(status).send(errorBody(code, err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', 'Internal error'));
  });
}
