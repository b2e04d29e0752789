/**
 * Who a REST token acts as. An admin token may call every protected route; a check token
 * only `GET /entitlement/:entity_id/:capability` (what application services hold for
 * `billing.can`). A token bound to a tenant acts in that tenant only.
 */
export interface Principal {
  readonly kind: 'admin' | 'check';
  /** The one tenant this token may act in, or null for any tenant. */
  readonly tenantId: string | null;
  /** A stable label that is not the secret (`admin#0`, `check#1`): rate-limit keys, logs. */
  readonly id: string;
}

/** An accepted token value and the principal it authenticates. */
export interface AcceptedToken {
  readonly token: string;
  readonly principal: Principal;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses the entries of one token setting. `<tenant-uuid>:<token>` binds the token to that
 * tenant; an entry whose part before the first colon is not a UUID is a token as a whole
 * (tokens may hold colons). The token is what clients send after `Bearer `.
 */
export function parseTokenEntries(name: string, kind: Principal['kind'], entries: string[], problems: string[]): AcceptedToken[] {
  const tokens: AcceptedToken[] = [];
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const prefix = colon > 0 ? entry.slice(0, colon) : '';
    const bound = UUID.test(prefix);
    const token = bound ? entry.slice(colon + 1) : entry;
    if (token.length === 0) {
      problems.push(`${name} entry ${index + 1} names a tenant but no token`);
      return;
    }
    // The Authorization header's token cannot hold whitespace: such an entry could never match.
    if (/\s/.test(token)) {
      problems.push(`${name} entry ${index + 1} contains whitespace`);
      return;
    }
    tokens.push({ token, principal: { kind, tenantId: bound ? prefix.toLowerCase() : null, id: `${kind}#${index}` } });
  });
  return tokens;
}
