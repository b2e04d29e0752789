import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomChars(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** Stripe-looking ids: `acct_1Pg…` (17 chars after the prefix for most objects). */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_1${randomChars(length - 1)}`;
}

export function now(): number {
  return Math.floor(Date.now() / 1000);
}
