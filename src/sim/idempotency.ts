import { SimError } from './errors.js';
import type { JsonObject } from './json.js';

export interface StoredResponse {
  fingerprint: string;
  status: number;
  body: JsonObject;
  requestId: string;
}

/**
 * Stripe's idempotency: a key replays the first result for the same parameters, refuses
 * different ones, and concurrent requests with one key run one after the other, so the
 * object is created exactly once. https://stripe.com/docs/api/idempotent_requests
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

  lookup(key: string, fingerprint: string, idempotencyKey: string): StoredResponse | undefined {
    const stored = this.results.get(key);
    if (stored === undefined) return undefined;
    if (stored.fingerprint !== fingerprint) {
      throw new SimError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
      });
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
