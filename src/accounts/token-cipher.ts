import * as openpgp from 'openpgp';

/**
 * OAuth tokens are encrypted here, in the service, so that neither the key nor a plaintext
 * token is ever a statement parameter (with `log_statement=all` PostgreSQL logs those).
 * The bytes are the OpenPGP symmetric format that pgcrypto writes and reads, so an operator
 * can still run `SELECT pgp_sym_decrypt(access_token, key)`, and rows written by the earlier
 * `pgp_sym_encrypt` in SQL still decrypt here.
 */
const WRITE_CONFIG: openpgp.PartialConfig = {
  // pgcrypto reads SEIPD v1 with an MDC, not the AEAD packets of RFC 9580.
  aeadProtect: false,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  // Iterated-salted S2K (openpgp.js hashes it with SHA-256); argon2, the other choice, pgcrypto cannot read.
  s2kType: openpgp.enums.s2k.iterated,
};

export class TokenDecryptionError extends Error {
  constructor(options?: ErrorOptions) {
    // Says what failed, never with what: no key, no token, no ciphertext in the message.
    super('An OAuth token could not be decrypted: wrong NSELF_DB_ENCRYPTION_KEY or damaged data', options);
    this.name = 'TokenDecryptionError';
  }
}

export async function encryptToken(plain: string, key: string): Promise<Buffer> {
  // A text message (literal format 'utf8'): pgp_sym_decrypt refuses a literal packet marked binary.
  const message = await openpgp.createMessage({ text: plain, format: 'utf8' });
  const bytes = await openpgp.encrypt({ message, passwords: [key], format: 'binary', config: WRITE_CONFIG });
  return Buffer.from(bytes);
}

export async function decryptToken(bytes: Uint8Array, key: string): Promise<string> {
  try {
    const message = await openpgp.readMessage({ binaryMessage: new Uint8Array(bytes) });
    const { data } = await openpgp.decrypt({ message, passwords: [key] });
    return data;
  } catch (err) {
    throw new TokenDecryptionError({ cause: err });
  }
}
