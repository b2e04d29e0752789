import { SimError, validationError } from './errors.js';
import type { JsonObject } from './json.js';

export interface StoredResponse {
  /** `/v1/customers`: a key belongs to one endpoint. */
  endpoint: string;
  fingerprint: string;
  status: number;
  body: JsonObject;
  requestId: string;
}

const MAX_KEY_LENGTH = 255;

/** Stripe's answer to a key outside 1–255 characters (refused before anything is saved). */
export function checkIdempotencyKey(key: string): void {
  if (key.length >= 1 && key.length <= MAX_KEY_LENGTH) return;
  throw validationError(
    `Idempotent key length is ${key.length}, which is outside accepted lengths. Idempotent Keys must be 1-${MAX_KEY_LENGTH} characters long. If you're looking for a decent generator, try using a UUID defined by IETF RFC 4122.`,
  );
}

function mismatch(message: string): SimError {
  return new SimError(400, { type: 'idempotency_error', message });
}

/**
 * Stripe's idempotency: a key replays the first result — success or error — for the same
 * parameters, refuses different ones, and concurrent requests with one key run one after the
 * other, so the object is created exactly once. Requests refused by parameter validation save
 * nothing. https://docs.stripe.com/api/idempotent_requests
 */
export class IdempotencyStore {
  private readonly results = new Map<string, StoredResponse>();
  private readonly locks = new Map<string, Promise<void>>();

  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    this.locks.set(key, chained);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    }
  }

  lookup(key: string, endpoint: string, fingerprint: string, idempotencyKey: string): StoredResponse | undefined {
    const stored = this.results.get(key);
    if (stored === undefined) return undefined;
    if (stored.endpoint !== endpoint) {
      throw mismatch(`Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.endpoint}' vs '${endpoint}'). Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`);
    }
    if (stored.fingerprint !== fingerprint) {
      throw mismatch(`Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`);
    }
    return stored;
  }

  save(key: string, response: StoredResponse): void {
    this.results.set(key, response);
  }

  clear(): void {
    this.results.clear();
  }
}
