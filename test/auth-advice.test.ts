import { describe, expect, test } from 'vitest';
import { listsOnlyIpv4, mechanismFor, spfAdvice, withMechanism } from '../src/auth/advice.js';
import type { SpfCheck } from '../src/auth/types.js';

const spf = (result: SpfCheck['result'], record: string | null, error: string | null = null): SpfCheck =>
  ({ result, record, error, explanation: '' });

describe('mechanismFor', () => {
  test.each([
    ['2001:db8::25', 'ipv6', 'ip6:2001:db8::/64'],
    ['2001:db8:1:2:3:4:5:6', 'ipv6', 'ip6:2001:db8:1:2::/64'],
    ['192.0.2.25', 'ipv4', 'ip4:192.0.2.25'],
  ] as const)('%s -> %s', (ip, family, mechanism) => {
    expect(mechanismFor(ip, family)).toBe(mechanism);
  });
});

describe('record edits', () => {
  test('listsOnlyIpv4 is true only when ip4: terms are the only way to pass', () => {
    expect(listsOnlyIpv4('v=spf1 ip4:192.0.2.0/24 -all')).toBe(true);
    expect(listsOnlyIpv4('v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.1 ~all')).toBe(true);
    expect(listsOnlyIpv4('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/64 -all')).toBe(false);
    expect(listsOnlyIpv4('v=spf1 ip4:192.0.2.0/24 include:spf.example.net -all')).toBe(false);
    expect(listsOnlyIpv4('v=spf1 mx -all')).toBe(false);
  });
  test('withMechanism inserts before all or redirect, else appends', () => {
    expect(withMechanism('v=spf1 ip4:192.0.2.0/24 -all', 'ip6:2001:db8::/64')).toBe('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 -all');
    expect(withMechanism('v=spf1 ip4:192.0.2.0/24 redirect=example.net', 'ip6:2001:db8::/64')).toBe('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 redirect=example.net');
    expect(withMechanism('v=spf1 ip4:192.0.2.0/24', 'ip6:2001:db8::/64')).toBe('v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64');
  });
});

describe('spfAdvice', () => {
  test('pass needs no advice', () => {
    expect(spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('pass', 'v=spf1 ip6:2001:db8::/64 -all'))).toBeNull();
  });
  test('an IPv4-only record failing an IPv6 sender names the record and the ip6: mechanism', () => {
    expect(spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('fail', 'v=spf1 ip4:192.0.2.0/24 -all'))).toBe(
      '2001:db8::25 sends for example.org, whose SPF record lists only IPv4: add ip6:2001:db8::/64 '
      + '(the record becomes "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 -all").');
  });
  test.each(['softfail', 'neutral'] as const)('%s also names the mechanism', (result) => {
    const text = spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf(result, 'v=spf1 a:relay.example.org ?all'));
    expect(text).toContain(`"v=spf1 a:relay.example.org ?all" gives ${result}`);
    expect(text).toContain('add ip6:2001:db8::/64');
  });
  test('an IPv4 sender gets an ip4: mechanism', () => {
    expect(spfAdvice('192.0.2.25', 'ipv4', 'example.org', spf('fail', 'v=spf1 ip6:2001:db8::/64 -all'))).toContain('add ip4:192.0.2.25');
  });
  test('none proposes a minimal record', () => {
    expect(spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('none', null))).toContain('publish the TXT record "v=spf1 ip6:2001:db8::/64 ~all" at example.org');
  });
  test.each([
    ['multiple SPF records found for example.org', /more than one TXT record starting with "v=spf1"/],
    ['Too many DNS requests', /more than 10 DNS lookups/],
    ['Too many void DNS results', /more than 2 lookups .* found no record/],
  ])('permerror %j names the cause', (error, cause) => {
    expect(spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('permerror', 'v=spf1 -all', error))).toMatch(cause);
  });
  test('a syntax permerror names the position of the bad term', () => {
    const text = spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('permerror', 'v=spf1 ip4:192.0.2.0/24 bogus:example.org -all', 'Unknown mechanism bogus'));
    expect(text).toContain('syntax error at position 25 ("bogus:example.org"): Unknown mechanism bogus');
  });
  test('temperror is a DNS problem, not an SPF failure', () => {
    const text = spfAdvice('2001:db8::25', 'ipv6', 'example.org', spf('temperror', null, 'DNS timeout'));
    expect(text).toContain('could not be made (DNS timeout)');
    expect(text).toContain('not an SPF failure');
  });
});
