import type { Pool } from './pool.js';

/**
 * The grant keys a transaction changed, as its own COMMIT reported them (migration 005 gathers
 * them in a transaction-local setting). The writer's process uses them to drop its cached
 * answers before it answers, so a check right after a write never sees the old state; other
 * replicas learn the same keys by NOTIFY.
 */
export type GrantKeyTuple = readonly [tenantId: string, entityId: string, capability: string];
export type ChangedGrants = 'all' | GrantKeyTuple[];

export const CHANGED_GRANTS_SETTING = 'np_stripe.changed_grants';

type Listener = (changed: ChangedGrants) => void;
const listeners = new WeakMap<Pool, Set<Listener>>();

/** Calls `listener` after every transaction on this pool that changed grants; returns the unsubscribe. */
export function onGrantsCommitted(pool: Pool, listener: Listener): () => void {
  let set = listeners.get(pool);
  if (!set) listeners.set(pool, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

function isKey(v: unknown): v is GrantKeyTuple {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string');
}

/** The setting's text: one JSON key per line, or '*'. Anything unreadable counts as 'all'. */
export function parseChangedGrants(raw: string | null | undefined): ChangedGrants | null {
  if (!raw) return null;
  if (raw === '*') return 'all';
  const keys: GrantKeyTuple[] = [];
  for (const line of raw.split('\n')) {
    try {
      const key: unknown = JSON.parse(line);
      if (!isKey(key)) return 'all';
      keys.push(key);
    } catch {
      return 'all';
    }
  }
  return keys;
}

export function announceCommittedGrants(pool: Pool, raw: string | null | undefined): void {
  const set = listeners.get(pool);
  if (!set || set.size === 0) return;
  const changed = parseChangedGrants(raw);
  if (changed === null) return;
  for (const listener of set) {
    try {
      listener(changed);
    } catch {
      // The write is committed: a listener's failure must not turn it into an error answer.
    }
  }
}
