import ipaddr from 'ipaddr.js';
import { describe, expect, test } from 'vitest';
import { reverseName } from '../src/probe/reverse-name.js';
import { normalizeIp } from '../src/targets/address.js';
import { isIP } from 'node:net';
import { formatIpv6, ipv6Groups, ipVersion } from '../src/targets/ipv6-text.js';

/** What ipaddr.js makes of an address: the reference the fast paths must match. */
function reference(text: string): { ip: string; reverse: string } {
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const bytes = addr.toByteArray();
  const reverse = addr.kind() === 'ipv4'
    ? `${[...bytes].reverse().join('.')}.in-addr.arpa`
    : `${bytes.flatMap((b) => [(b >> 4).toString(16), (b & 15).toString(16)]).reverse().join('.')}.ip6.arpa`;
  return { ip: addr.toString(), reverse };
}

/** Deterministic pseudo-random IPv6 texts in many spellings: zero runs, uppercase, leading zeros, mapped IPv4. */
function* spellings(count: number): Generator<string> {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    const groups = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(4) === 0 ? rnd(16) : rnd(65536)));
    if (rnd(10) === 0) groups.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    const full = groups.map((g) => (rnd(2) === 0 ? g.toString(16).padStart(4, '0') : g.toString(16))).join(':');
    yield rnd(2) === 0 ? full.toUpperCase() : full;
    const compressed = ipaddr.fromByteArray(groups.flatMap((g) => [g >> 8, g & 255])).toString();
    yield compressed.includes('.') ? compressed : compressed.toUpperCase();
  }
}

describe('IPv6 text fast paths', () => {
  test('normalizeIp and reverseName agree with ipaddr.js on 4,000 spellings', () => {
    for (const text of spellings(2_000)) {
      const want = reference(text);
      expect(normalizeIp(text)?.ip, text).toBe(want.ip);
      expect(reverseName(text), text).toBe(want.reverse);
    }
  });

  test('RFC 5952: the longest zero run is compressed, the first of equal runs, never a single group', () => {
    expect(formatIpv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0])).toBe('2001:db8:0:0:1::');
    expect(formatIpv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
    expect(normalizeIp('2001:DB8:0000:0000:0000:0000:0000:0025')).toEqual({ ip: '2001:db8::25', family: 'ipv6' });
    expect(normalizeIp('::ffff:c000:219')).toEqual({ ip: '192.0.2.25', family: 'ipv4' });
  });

  test('only hex forms are parsed here; embedded IPv4 and zone ids are left to ipaddr.js', () => {
    expect(ipv6Groups('::ffff:192.0.2.25')).toBeNull();
    expect(ipv6Groups('fe80::1%eth0')).toBeNull();
    expect(normalizeIp('::ffff:192.0.2.25')).toEqual({ ip: '192.0.2.25', family: 'ipv4' });
    expect(normalizeIp('64:ff9b::192.0.2.25')).toEqual({ ip: '64:ff9b::c000:219', family: 'ipv6' });
    expect(reverseName('192.0.2.25')).toBe('25.2.0.192.in-addr.arpa');
    expect(normalizeIp('192.0.2.256')).toBeNull();
  });

  test('ipVersion says what net.isIP says, also for texts of hex digits and colons that are not addresses', () => {
    const edge = ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1::2::3',
      ':1::2', '1::2:', '12345::', ':::', '1:::2', 'g::1', '1:2:3:4:5:6:7', '', ':', '192.0.2.25', '::ffff:192.0.2.25', 'fe80::1%eth0', 'mail.example.com'];
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const random = Array.from({ length: 20_000 }, () => Array.from({ length: 1 + rnd(24) }, () => '0123456789abcdefABCDEF:::'[rnd(25)]).join(''));
    for (const text of [...edge, ...random, ...spellings(500)]) expect(ipVersion(text).version, text).toBe(isIP(text));
  });
});
