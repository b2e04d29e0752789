import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenDecryptionError, decryptToken, encryptToken } from '../../src/accounts/token-cipher.js';
import { storeOAuthLink } from '../../src/accounts/tokens.js';
import { testConfig, TEST_ENV } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TENANT } from './helpers.js';

const KEY = TEST_ENV.NSELF_DB_ENCRYPTION_KEY;
const TOKEN = 'sk_acct_1NselfAccessToken0000000000000';

/** The packets of an OpenPGP message, top level only (openpgp.js writes new-format headers). */
function packetsOf(bytes: Uint8Array): { tag: number; body: Uint8Array }[] {
  const out: { tag: number; body: Uint8Array }[] = [];
  let i = 0;
  while (i < bytes.length) {
    const header = bytes[i++]!;
    if ((header & 0xc0) !== 0xc0) throw new Error(`not a new-format packet header: ${header}`);
    const first = bytes[i++]!;
    let length: number;
    if (first < 192) length = first;
    else if (first < 224) length = ((first - 192) << 8) + bytes[i++]! + 192;
    else if (first === 255) {
      length = new DataView(bytes.buffer, bytes.byteOffset + i, 4).getUint32(0);
      i += 4;
    } else throw new Error('partial body lengths are not expected here');
    out.push({ tag: header & 0x3f, body: bytes.subarray(i, i + length) });
    i += length;
  }
  return out;
}

/** What decryption raised, to look at its message. */
async function failureOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error('expected a failure');
}

describe('token cipher', () => {
  it('round-trips a token', async () => {
    const bytes = await encryptToken(TOKEN, KEY);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString('latin1')).not.toContain(TOKEN);
    expect(await decryptToken(bytes, KEY)).toBe(TOKEN);
  });

  it('round-trips unicode text and a unicode key', async () => {
    const plain = 'jeton-été-日本語-🔑';
    const key = 'clé-секрет-🗝️-0123456789';
    expect(await decryptToken(await encryptToken(plain, key), key)).toBe(plain);
  });

  it('encrypts the same token differently each time (fresh salt and session key)', async () => {
    const [a, b] = await Promise.all([encryptToken(TOKEN, KEY), encryptToken(TOKEN, KEY)]);
    expect(a.equals(b)).toBe(false);
  });

  it('writes what pgcrypto reads: AES-256 iterated-salted S2K, SEIPD v1 with MDC, an uncompressed text literal', async () => {
    const bytes = await encryptToken(TOKEN, KEY);
    const [skesk, seipd, ...rest] = packetsOf(bytes);
    expect(rest).toEqual([]);
    // Tag 3, version 4, cipher 9 (AES-256), S2K type 3 (iterated and salted).
    expect(skesk?.tag).toBe(3);
    expect([...skesk!.body.subarray(0, 3)]).toEqual([4, 9, 3]);
    // Tag 18 version 1: integrity protected with an MDC, not AEAD (tag 20 / version 2).
    expect(seipd?.tag).toBe(18);
    expect(seipd!.body[0]).toBe(1);

    const inner = await (await openpgp.readMessage({ binaryMessage: new Uint8Array(bytes) })).decrypt([], [KEY]);
    const innerPackets = packetsOf(inner.packets.write());
    // One literal packet (tag 11), no compressed one (tag 8); its format 'u' (UTF-8 text), never 'b'.
    expect(innerPackets.map((p) => p.tag)).toEqual([11]);
    expect(String.fromCharCode(innerPackets[0]!.body[0]!)).toBe('u');
  });

  it('a wrong key fails with a clear error that names neither the key nor the token', async () => {
    const err = await failureOf(decryptToken(await encryptToken(TOKEN, KEY), 'wrong-key-dddddddddddddddd'));
    expect(err).toBeInstanceOf(TokenDecryptionError);
    expect(err.message).toMatch(/could not be decrypted: wrong NSELF_DB_ENCRYPTION_KEY or damaged data/);
    for (const secret of [KEY, 'wrong-key-dddddddddddddddd', TOKEN]) expect(err.message).not.toContain(secret);
  });

  it('tampered ciphertext fails', async () => {
    const bytes = await encryptToken(TOKEN, KEY);
    for (const at of [bytes.length - 1, bytes.length - 30]) {
      const tampered = Buffer.from(bytes);
      tampered[at] = tampered[at]! ^ 0x01;
      await expect(decryptToken(tampered, KEY)).rejects.toBeInstanceOf(TokenDecryptionError);
    }
    await expect(decryptToken(bytes.subarray(0, bytes.length - 5), KEY)).rejects.toBeInstanceOf(TokenDecryptionError);
    await expect(decryptToken(Buffer.from(TOKEN, 'utf8'), KEY)).rejects.toBeInstanceOf(TokenDecryptionError);
  });
});

describe('token cipher and pgcrypto, both ways', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reads a row written by SQL pgp_sym_encrypt with its default options (the earlier storage)', async () => {
    const refresh = 'rt_1NselfRefreshToken-ünïcode-0000';
    await db.pool.query(
      `INSERT INTO np_stripe_accounts (tenant_id, entity_id, connected_via, access_token, refresh_token, tokens_encrypted)
       VALUES ($1, 'legacy-row', 'oauth', pgp_sym_encrypt($2, $4), pgp_sym_encrypt($3, $4), true)`,
      [TENANT, TOKEN, refresh, KEY],
    );
    const { rows } = await db.pool.query<{ access_token: Buffer; refresh_token: Buffer }>(
      `SELECT access_token, refresh_token FROM np_stripe_accounts WHERE entity_id = 'legacy-row'`,
    );
    expect(await decryptToken(rows[0]!.access_token, KEY)).toBe(TOKEN);
    expect(await decryptToken(rows[0]!.refresh_token, KEY)).toBe(refresh);
  });

  it('storeOAuthLink sends only ciphertext, which pgp_sym_decrypt and decryptToken both read', async () => {
    const queries: { text: string; values: unknown[] }[] = [];
    const spy = {
      query: (text: string, values: unknown[]) => {
        queries.push({ text, values });
        return db.pool.query(text, values);
      },
    } as unknown as Parameters<typeof storeOAuthLink>[0];
    await storeOAuthLink(spy, testConfig(), {
      tenantId: TENANT,
      entityId: 'service-row',
      accountId: 'acct_1NselfServiceRow00',
      tokens: { accessToken: TOKEN, refreshToken: null, scope: 'read_write', livemode: false },
      snapshot: {
        detailsSubmitted: true,
        chargesEnabled: true,
        payoutsEnabled: true,
        requirementsDue: [],
        disabledReason: null,
        requirementsDeadline: null,
        livemode: false,
        email: null,
        country: 'US',
      },
      status: 'active',
    });
    const sent = JSON.stringify(queries.map((q) => q.values.map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v))));
    expect(sent).not.toContain(KEY);
    expect(sent).not.toContain(TOKEN);

    const { rows } = await db.pool.query<{ access: string; refresh: string | null; tokens_encrypted: boolean; access_token: Buffer }>(
      `SELECT pgp_sym_decrypt(access_token, $1) AS access, refresh_token AS refresh, tokens_encrypted, access_token
         FROM np_stripe_accounts WHERE entity_id = 'service-row'`,
      [KEY],
    );
    expect(rows[0]).toMatchObject({ access: TOKEN, refresh: null, tokens_encrypted: true });
    expect(await decryptToken(rows[0]!.access_token, KEY)).toBe(TOKEN);
  });
});
