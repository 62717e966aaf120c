import { describe, expect, test } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { judgeDkimKey } from '../src/auth/dkim-key.js';
import { judgeDmarcRecords } from '../src/auth/dmarc-record.js';
import { parseTagList } from '../src/auth/tag-list.js';

const rsa = (bits: number, type: 'spki' | 'pkcs1' = 'spki') =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type, format: 'der' }).toString('base64');
const ed25519Raw = () => {
  const der = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('base64');
};
const key2048 = rsa(2048);

describe('parseTagList', () => {
  test('splits tags, trims whitespace, lowercases names and allows a trailing ";"', () => {
    expect(parseTagList(' v=DKIM1 ;K = rsa;\tp=AB CD ;')).toEqual({ tags: [['v', 'DKIM1'], ['k', 'rsa'], ['p', 'AB CD']] });
  });
  test.each([
    ['v=DKIM1; k', /no "="/],
    ['v=DKIM1;; p=x', /empty tag/],
    ['p=a; P=b', /occurs twice/],
    ['1x=a', /invalid name/],
  ])('rejects %j', (text, error) => {
    const parsed = parseTagList(text);
    expect('error' in parsed && parsed.error).toMatch(error);
  });
});

describe('judgeDkimKey', () => {
  test('a 2048-bit RSA key in SubjectPublicKeyInfo is valid', () => {
    expect(judgeDkimKey(`v=DKIM1; k=rsa; p=${key2048}`)).toEqual({ status: 'valid', bits: 2048, key_type: 'rsa', error: null });
  });
  test('k= defaults to rsa, v= is optional, p= may be folded with whitespace', () => {
    const folded = `${key2048.slice(0, 100)} \t ${key2048.slice(100)}`;
    expect(judgeDkimKey(`p=${folded}`)).toMatchObject({ status: 'valid', bits: 2048 });
  });
  test('a PKCS#1 RSAPublicKey is accepted too', () => {
    expect(judgeDkimKey(`v=DKIM1; p=${rsa(1024, 'pkcs1')}`)).toMatchObject({ status: 'valid', bits: 1024 });
  });
  test('an ed25519 key (RFC 8463) is valid without a bit length', () => {
    expect(judgeDkimKey(`v=DKIM1; k=ed25519; p=${ed25519Raw()}`)).toEqual({ status: 'valid', bits: null, key_type: 'ed25519', error: null });
  });
  test('RSA under 1024 bits is weak', () => {
    expect(judgeDkimKey(`v=DKIM1; p=${rsa(512)}`)).toMatchObject({ status: 'weak', bits: 512, error: expect.stringMatching(/512 bits/) });
  });
  test('an empty p= is revoked', () => {
    expect(judgeDkimKey('v=DKIM1; k=rsa; p=')).toMatchObject({ status: 'revoked' });
    expect(judgeDkimKey('v=DKIM1; k=rsa; p= ;')).toMatchObject({ status: 'revoked' });
  });
  test.each([
    ['truncated DER', 'v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', /parsable/],
    ['not base64', 'v=DKIM1; p=abc$def', /base64/],
    ['no p=', 'v=DKIM1; k=rsa', /no p=/],
    ['v= not first', `k=rsa; v=DKIM1; p=${key2048}`, /first tag/],
    ['wrong version', `v=DKIM2; p=${key2048}`, /DKIM1/],
    ['unknown k=', `v=DKIM1; k=dsa; p=${key2048}`, /k=dsa/],
    ['an RSA key under k=ed25519', `v=DKIM1; k=ed25519; p=${key2048}`, /32 bytes/],
    ['an ed25519 SPKI under k=rsa', `v=DKIM1; k=rsa; p=${generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`, /ed25519 key, but k= says rsa/],
    ['a broken tag list', `v=DKIM1; p=${key2048}; p=x`, /twice/],
  ])('%s is invalid', (_what, record, error) => {
    const verdict = judgeDkimKey(record);
    expect(verdict.status).toBe('invalid');
    expect(verdict.error).toMatch(error);
  });
});

describe('judgeDmarcRecords', () => {
  test.each([
    ['v=DMARC1; p=reject; rua=mailto:d@example.org', 'reject'],
    ['v=DMARC1;p=quarantine', 'quarantine'],
    ['v=DMARC1; p=None', 'none'],
  ])('%j is present with its policy', (record, policy) => {
    expect(judgeDmarcRecords([record])).toEqual({ status: 'present', policy, record, error: null });
  });
  test('other TXT records next to the DMARC record are ignored', () => {
    expect(judgeDmarcRecords(['something else', 'v=DMARC1; p=reject'])).toMatchObject({ status: 'present', policy: 'reject' });
  });
  test('no record is missing', () => {
    expect(judgeDmarcRecords([])).toEqual({ status: 'missing', policy: null, record: null, error: null });
  });
  test.each([
    [['v=spf1 -all'], /v=DMARC1/],
    [['v=DMARC1; p=maybe'], /unknown policy/],
    [['v=DMARC1; rua=mailto:d@example.org'], /no p=/],
    [['v=DMARC1; p=none', 'v=DMARC1; p=reject'], /2 DMARC records/],
    [['v=DMARC1; p=reject; x'], /no "="/],
    [['p=reject; v=DMARC1'], /v=DMARC1/],
  ])('%j is invalid', (records, error) => {
    const check = judgeDmarcRecords(records);
    expect(check.status).toBe('invalid');
    expect(check.policy).toBeNull();
    expect(check.error).toMatch(error);
  });
});
