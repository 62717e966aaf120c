import { describe, expect, test } from 'vitest';
import type { LookupOutcomes, Outcome } from '../src/probe/lookup.js';
import { IPREV, verdict } from '../src/probe/verdict.js';
import { normalizeHostname } from '../src/targets/hostname.js';

const REV = '25.2.0.192.in-addr.arpa';
const answer = (...values: string[]): Outcome => ({ kind: 'answer', values });
const NX: Outcome = { kind: 'nxdomain' };
const NODATA: Outcome = { kind: 'nodata' };
const temp = (reason: string): Outcome => ({ kind: 'temperror', reason });
const outcomes = (ptr: Outcome, forward: Record<string, Outcome> = {}): LookupOutcomes =>
  ({ reverseName: REV, ptr, forward: Object.entries(forward).map(([name, outcome]) => ({ name, outcome })) });

describe('verdict', () => {
  test('pass, with PTR names lowercased, trailing dot removed and deduplicated', () => {
    const v = verdict(outcomes(answer('MX.Example.com.', 'mx.example.com'), { 'mx.example.com': answer('192.0.2.25') }), '192.0.2.25', null);
    expect(v).toEqual({ status: 'pass', iprev: 'pass', ptr: ['mx.example.com'], forward: { 'mx.example.com': ['192.0.2.25'] }, confirmed: ['mx.example.com'], error: null });
  });

  test('no_ptr on NXDOMAIN and NODATA, permerror', () => {
    expect(verdict(outcomes(NX), '192.0.2.25', null)).toMatchObject({ status: 'no_ptr', iprev: 'permerror', ptr: [], error: `no PTR record for ${REV} (NXDOMAIN)` });
    expect(verdict(outcomes(NODATA), '192.0.2.25', null)).toMatchObject({ status: 'no_ptr', error: `no PTR record for ${REV} (NODATA)` });
  });

  test('temperror on the PTR lookup names the reason', () => {
    expect(verdict(outcomes(temp('ETIMEOUT')), '192.0.2.25', null)).toMatchObject({ status: 'temperror', iprev: 'temperror', error: `PTR lookup of ${REV} failed: ETIMEOUT` });
  });

  test('no_forward when every forward lookup is NXDOMAIN or NODATA', () => {
    const v = verdict(outcomes(answer('a.example', 'b.example'), { 'a.example': NX, 'b.example': NODATA }), '192.0.2.25', null);
    expect(v).toMatchObject({ status: 'no_forward', iprev: 'fail', forward: { 'a.example': [], 'b.example': [] }, confirmed: [] });
  });

  test('mismatch when names resolve but never to the ip', () => {
    const v = verdict(outcomes(answer('a.example', 'b.example'), { 'a.example': answer('198.51.100.1'), 'b.example': NX }), '192.0.2.25', null);
    expect(v).toMatchObject({ status: 'mismatch', iprev: 'fail', error: 'PTR name a.example resolves to 198.51.100.1, not 192.0.2.25' });
  });

  test('one confirming name among several is enough, even beside a temp error', () => {
    const v = verdict(outcomes(answer('a.example', 'b.example', 'c.example'),
      { 'a.example': answer('198.51.100.1'), 'b.example': temp('ESERVFAIL'), 'c.example': answer('192.0.2.9', '192.0.2.25') }), '192.0.2.25', null);
    expect(v).toMatchObject({ status: 'pass', confirmed: ['c.example'], ptr: ['a.example', 'b.example', 'c.example'] });
  });

  test('a forward temp error without any confirmed name is temperror, not mismatch or no_forward', () => {
    expect(verdict(outcomes(answer('a.example', 'b.example'), { 'a.example': answer('198.51.100.1'), 'b.example': temp('ETIMEOUT') }), '192.0.2.25', null))
      .toMatchObject({ status: 'temperror', error: 'A lookup of b.example failed: ETIMEOUT' });
    expect(verdict(outcomes(answer('a.example'), { 'a.example': temp('EREFUSED') }), '2001:db8::25', null))
      .toMatchObject({ status: 'temperror', error: 'AAAA lookup of a.example failed: EREFUSED' });
    expect(verdict(outcomes(answer('a.example')), '192.0.2.25', null).status).toBe('temperror');
  });

  test('forward addresses compare after normalisation', () => {
    const v6 = verdict(outcomes(answer('a.example'), { 'a.example': answer('2001:0DB8:0000:0000:0000:0000:0000:0025') }), '2001:db8::25', null);
    expect(v6).toMatchObject({ status: 'pass', forward: { 'a.example': ['2001:db8::25'] } });
    const mapped = verdict(outcomes(answer('a.example'), { 'a.example': answer('::ffff:192.0.2.25') }), '192.0.2.25', null);
    expect(mapped.status).toBe('pass');
  });

  test('forward entries under differently written names are merged', () => {
    const v = verdict(outcomes(answer('A.example.'), { 'A.EXAMPLE.': answer('192.0.2.25') }), '192.0.2.25', null);
    expect(v).toMatchObject({ status: 'pass', forward: { 'a.example': ['192.0.2.25'] } });
  });

  test('helo is compared with confirmed names only, ignoring case and trailing dot', () => {
    const o = outcomes(answer('a.example', 'b.example'), { 'a.example': answer('198.51.100.1'), 'b.example': answer('192.0.2.25') });
    expect(verdict(o, '192.0.2.25', 'B.Example.').status).toBe('pass');
    expect(verdict(o, '192.0.2.25', 'a.example')).toMatchObject({ status: 'helo_mismatch', iprev: 'fail', confirmed: ['b.example'] });
    expect(verdict(o, '192.0.2.25', 'mail.example').error).toContain('mail.example');
  });

  test('helo is not checked when FCrDNS fails', () => {
    expect(verdict(outcomes(NX), '192.0.2.25', 'mail.example').status).toBe('no_ptr');
  });

  test('checks the first 10 PTR names in alphabetical order and says how many were skipped', () => {
    const names = Array.from({ length: 25 }, (_, i) => `h${String(24 - i).padStart(2, '0')}.example`);
    const forward = Object.fromEntries(names.slice(15).map((n) => [n, answer('198.51.100.1')])); // h00..h09, the checked ones
    const v = verdict(outcomes(answer(...names), forward), '192.0.2.25', null);
    expect(v.ptr).toEqual(names.slice(15).reverse());
    expect(v).toMatchObject({ status: 'mismatch', ptr_skipped: 15 });
    expect(v.error).toContain('; 15 more PTR names not checked (at most 10 are, in alphabetical order)');
    // h24 would confirm, but a receiver need not look at it
    expect(verdict(outcomes(answer(...names), { ...forward, 'h24.example': answer('192.0.2.25') }), '192.0.2.25', null).status).toBe('mismatch');
    expect(verdict(outcomes(answer('a.example'), { 'a.example': answer('192.0.2.25') }), '192.0.2.25', null)).not.toHaveProperty('ptr_skipped');
  });

  test('a PTR name that cannot be queried is reported as such, not as a missing record', () => {
    const bad: Outcome = { kind: 'badname' };
    const v = verdict(outcomes(answer('bad name.example'), { 'bad name.example': bad }), '192.0.2.25', null);
    expect(v).toMatchObject({ status: 'no_forward', iprev: 'fail', error: 'PTR name "bad name.example" is not a valid host name, so it cannot be looked up' });
    const both = verdict(outcomes(answer('bad name.example', 'a.example'), { 'bad name.example': bad, 'a.example': NX }), '192.0.2.25', null);
    expect(both.error).toBe('PTR name "bad name.example" is not a valid host name, so it cannot be looked up; PTR name a.example has no A record');
  });

  test('iprev mapping and name normalisation', () => {
    expect(IPREV).toEqual({ pass: 'pass', no_ptr: 'permerror', no_forward: 'fail', mismatch: 'fail', helo_mismatch: 'fail', temperror: 'temperror' });
    expect(normalizeHostname(' Mail.Example.COM. ')).toBe('mail.example.com');
  });
});
