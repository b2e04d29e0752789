/**
 * The in-process layer in front of np_stripe_entitlements. Entries are dropped by key when
 * any replica commits a grant change (LISTEN/NOTIFY), all at once when the listener loses
 * its connection, and on their own at the moment their answer would need re-confirmation
 * (TTL) or a manual grant expires.
 */
export class EntitlementMemoryCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  // Bumped by every invalidation: a database read that started before one must not be stored.
  private generation = 0;
  private enabled = false;

  constructor(private readonly maxEntries = 100_000) {}

  static key(tenantId: string, entityId: string, capability: string): string {
    return `${tenantId}\u0000${entityId}\u0000${capability}`;
  }

  /** Only a connected change listener makes cached answers safe across replicas. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.clear();
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A token to hand back to `set`, taken before reading the database. */
  snapshot(): number {
    return this.generation;
  }

  get(key: string, now = Date.now()): T | undefined {
    if (!this.enabled) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, expiresAt: number, snapshot: number): void {
    if (!this.enabled || snapshot !== this.generation || expiresAt <= Date.now()) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
