import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseTagList } from './tag-list.js';
import type { DkimStatus } from './types.js';

/** Gmail refuses DKIM signatures made with RSA keys shorter than this (and RFC 8301 section 3.2 forbids < 1024). */
export const MIN_RSA_BITS = 1024;

/** What a key record says, without the selector. */
export interface DkimKeyVerdict {
  status: Exclude<DkimStatus, 'missing' | 'temperror'>;
  bits: number | null;
  key_type: 'rsa' | 'ed25519' | null;
  error: string | null;
}

const invalid = (error: string): DkimKeyVerdict => ({ status: 'invalid', bits: null, key_type: null, error });

/**
 * Judges one DKIM key record (RFC 6376 section 3.6.1; ed25519 from RFC 8463): v= must be DKIM1 and first when
 * present, k= rsa (default) or ed25519, p= base64 (empty means revoked). The key itself is parsed by node:crypto:
 * RSA as SubjectPublicKeyInfo or PKCS#1 RSAPublicKey DER, ed25519 as the raw 32-byte key.
 */
export function judgeDkimKey(record: string): DkimKeyVerdict {
  const parsed = parseTagList(record);
  if ('error' in parsed) return invalid(parsed.error);
  const tags = new Map(parsed.tags);
  const version = tags.get('v');
  if (version !== undefined && (version !== 'DKIM1' || parsed.tags[0]?.[0] !== 'v')) return invalid('v= must be "DKIM1" and the first tag');
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  if (keyType !== 'rsa' && keyType !== 'ed25519') return invalid(`unknown key type k=${keyType}`);
  const p = tags.get('p');
  if (p === undefined) return invalid('no p= tag');
  const base64 = p.replace(/\s+/g, '');
  if (base64 === '') return { status: 'revoked', bits: null, key_type: null, error: 'the key is revoked (empty p=)' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 === 1) return invalid('p= is not base64');
  const der = Buffer.from(base64, 'base64');
  return keyType === 'rsa' ? judgeRsa(der) : judgeEd25519(der);
}

function judgeRsa(der: Buffer): DkimKeyVerdict {
  const key = importKey(() => createPublicKey({ key: der, format: 'der', type: 'spki' }))
    ?? importKey(() => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }));
  if (!key) return invalid('p= does not hold a parsable public key');
  if (key.asymmetricKeyType !== 'rsa') return invalid(`p= holds a ${key.asymmetricKeyType ?? 'unknown'} key, but k= says rsa`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return { status: 'weak', bits, key_type: 'rsa', error: `RSA key of ${bits} bits; Gmail requires at least ${MIN_RSA_BITS}` };
  return { status: 'valid', bits, key_type: 'rsa', error: null };
}

function judgeEd25519(raw: Buffer): DkimKeyVerdict {
  if (raw.length !== 32) return invalid(`an ed25519 key is 32 bytes, p= holds ${raw.length}`);
  const key = importKey(() => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }));
  if (!key) return invalid('p= does not hold a usable ed25519 key');
  return { status: 'valid', bits: null, key_type: 'ed25519', error: null };
}

/** Runs a node:crypto import, null when it throws. */
function importKey(make: () => KeyObject): KeyObject | null {
  try {
    return make();
  } catch {
    return null;
  }
}
