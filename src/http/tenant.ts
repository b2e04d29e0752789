import type { FastifyRequest } from 'fastify';
import { AppError, BadRequest } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant a request acts for: its `X-Tenant-Id` header, else the token's own tenant when
 * the token is bound to one, else the configured default. A tenant-bound token naming another
 * tenant is refused (403), never quietly narrowed.
 */
export function tenantOf(request: FastifyRequest, defaultTenantId: string): string {
  const bound = request.principal?.tenantId ?? null;
  const header = request.headers['x-tenant-id'];
  if (header === undefined) return bound ?? defaultTenantId;
  if (typeof header !== 'string' || !UUID.test(header.trim())) {
    throw new BadRequest('X-Tenant-Id must be a UUID', undefined, 'invalid_tenant');
  }
  const tenant = header.trim().toLowerCase();
  if (bound !== null && tenant !== bound) {
    throw new AppError(403, 'tenant_forbidden', 'This token acts only in its own tenant');
  }
  return tenant;
}

/**
 * The tenant a cross-tenant view (the event log) is narrowed to: the named or bound tenant,
 * or undefined for an unbound token that names none — it sees every tenant.
 */
export function tenantScopeOf(request: FastifyRequest, defaultTenantId: string): string | undefined {
  if (request.headers['x-tenant-id'] === undefined && (request.principal?.tenantId ?? null) === null) return undefined;
  return tenantOf(request, defaultTenantId);
}
