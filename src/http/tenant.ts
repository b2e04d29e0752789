import type { FastifyRequest } from 'fastify';
import { BadRequest } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant a request acts for: its `X-Tenant-Id` header, else the configured default. */
export function tenantOf(request: FastifyRequest, defaultTenantId: string): string {
  const header = request.headers['x-tenant-id'];
  if (header === undefined) return defaultTenantId;
  if (typeof header !== 'string' || !UUID.test(header.trim())) {
    throw new BadRequest('X-Tenant-Id must be a UUID', undefined, 'invalid_tenant');
  }
  return header.trim().toLowerCase();
}
