import { isIP } from 'node:net';
import { intSetting, nonEmptyList, type Env } from '../env-values.js';

/** Socket-level limits of the HTTP server, and whose X-Forwarded-For is believed. */
export interface ServerSettings {
  /** Addresses/CIDRs of trusted reverse proxies (Fastify's trustProxy); empty: none. */
  trustProxy: string[];
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this (≤ requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many open ones are closed at accept. */
  maxConnections: number;
}

// proxy-addr's names for the private ranges, handy behind Docker or Kubernetes networking.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export function serverSettings(env: Env, problems: string[]): ServerSettings {
  const trustProxy = nonEmptyList('NSELF_TRUST_PROXY', env.NSELF_TRUST_PROXY, problems);
  if (trustProxy.some((entry) => !isAddressOrCidr(entry))) {
    problems.push('NSELF_TRUST_PROXY entries must be IP addresses or CIDRs (or loopback, linklocal, uniquelocal)');
  }
  const requestSeconds = intSetting(env, 'NSELF_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600, problems);
  // Node refuses a headers timeout above the request timeout; a short request timeout pulls the default down.
  const headersSeconds = intSetting(env, 'NSELF_HEADERS_TIMEOUT_SECONDS', Math.min(10, requestSeconds), 1, 3600, problems);
  if (headersSeconds > requestSeconds) {
    problems.push('NSELF_HEADERS_TIMEOUT_SECONDS must not exceed NSELF_REQUEST_TIMEOUT_SECONDS');
  }
  return {
    trustProxy,
    requestTimeoutMs: requestSeconds * 1000,
    headersTimeoutMs: Math.min(headersSeconds, requestSeconds) * 1000,
    // Above the 60 s idle timeout of common load balancers, so they never reuse a connection we just closed.
    keepAliveTimeoutMs: intSetting(env, 'NSELF_KEEP_ALIVE_TIMEOUT_SECONDS', 72, 1, 3600, problems) * 1000,
    maxConnections: intSetting(env, 'NSELF_MAX_CONNECTIONS', 1024, 1, 1_000_000, problems),
  };
}
