import { describe, expect, test } from 'vitest';
import { promises as dns } from 'node:dns';
import { formatServerAddress, parseServerAddress } from '../src/probe/server-address.js';
import { reverseName } from '../src/probe/reverse-name.js';

describe('parseServerAddress', () => {
  test.each([
    ['192.0.2.53', '192.0.2.53', 53],
    ['192.0.2.53:5353', '192.0.2.53', 5353],
    ['2001:db8::53', '2001:db8::53', 53],
    ['::1', '::1', 53],
    ['[2001:db8::53]:5353', '2001:db8::53', 5353],
    ['[::1]:1', '::1', 1],
    ['[::1]', '::1', 53],
    ['127.0.0.1:65535', '127.0.0.1', 65535],
  ])('%s', (text, host, port) => {
    expect(parseServerAddress(text)).toEqual({ host, port });
  });

  test.each([
    '', 'dns.example.com', 'dns.example.com:53', '192.0.2.53:0', '192.0.2.53:65536', '192.0.2.53:', '192.0.2.53:5x',
    '192.0.2.53:+53', '192.0.2.256', '[192.0.2.53]:53', '[2001:db8::53]:', '[2001:db8::53', '2001:db8::53]:53',
    '[fe80::1%eth0]:53', ' 192.0.2.53', '192.0.2.53:53:53', '[::1]:99999',
  ])('rejects %j', (text) => {
    expect(parseServerAddress(text)).toBeNull();
  });
});

describe('formatServerAddress', () => {
  test('gives forms that setServers accepts and keeps', () => {
    expect(formatServerAddress({ host: '192.0.2.53', port: 53 })).toBe('192.0.2.53:53');
    expect(formatServerAddress({ host: '2001:db8::53', port: 5353 })).toBe('[2001:db8::53]:5353');
    const resolver = new dns.Resolver();
    resolver.setServers([formatServerAddress({ host: '2001:db8::53', port: 5353 }), formatServerAddress({ host: '192.0.2.53', port: 5300 })]);
    expect(resolver.getServers()).toEqual(['[2001:db8::53]:5353', '192.0.2.53:5300']);
  });
});

describe('reverseName', () => {
  test('IPv4, IPv4-mapped and IPv6', () => {
    expect(reverseName('192.0.2.25')).toBe('25.2.0.192.in-addr.arpa');
    expect(reverseName('::ffff:192.0.2.25')).toBe('25.2.0.192.in-addr.arpa');
    expect(reverseName('2001:DB8::25')).toBe('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });
});
