import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { addressKind, isRoutableKind, normalizeIp } from '../src/targets/address.js';
import { egressAddress, egressAddresses } from '../src/targets/egress.js';
import { interfaceAddresses } from '../src/targets/interfaces.js';
import { LearnedTargets } from '../src/targets/learned-targets.js';
import { mergeTargets } from '../src/targets/target-set.js';

describe('addresses', () => {
  it.each([
    ['2001:DB8:0:0:0:0:0:25', '2001:db8::25', 'ipv6'],
    ['::ffff:192.0.2.7', '192.0.2.7', 'ipv4'],
    ['::FFFF:C000:0207', '192.0.2.7', 'ipv4'],
    [' 198.51.100.1 ', '198.51.100.1', 'ipv4'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1', 'ipv6'],
  ])('normalises %s', (text, ip, family) => {
    expect(normalizeIp(text)).toEqual({ ip, family });
  });

  it.each(['2001:db8::zz', '192.0.2', '192.0.2.256', 'mail.example.com', '', '[2001:db8::1]', '192.0.2.01'])('refuses %j', (text) => {
    expect(normalizeIp(text)).toBeNull();
  });

  it.each([
    ['8.8.4.4', 'global', true],
    ['2a00:1450:4001::1b', 'global', true],
    ['2001:0:5ef5:79fb:34e1:18ed:adbb:2299', 'teredo', true],
    ['2002:c000:204::1', '6to4', true],
    ['fd12:3456::1', 'ula', false],
    ['10.0.0.1', 'private', false],
    ['192.168.0.15', 'private', false],
    ['100.64.0.1', 'cgnat', false],
    ['fe80::1', 'link_local', false],
    ['169.254.1.1', 'link_local', false],
    ['127.0.0.1', 'loopback', false],
    ['::1', 'loopback', false],
    ['192.0.2.25', 'documentation', false],
    ['198.51.100.25', 'documentation', false],
    ['2001:db8::25', 'documentation', false],
  ])('classifies %s as %s', (ip, kind, routable) => {
    expect(addressKind(ip)).toBe(kind);
    expect(isRoutableKind(addressKind(ip))).toBe(routable);
  });
});

describe('target sources', () => {
  it('reads interface addresses from a literal interface table', () => {
    const table = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '192.0.2.25', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.25/24' },
        { address: '2001:DB8::25', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8::25/64', scopeid: 0 },
        { address: 'fe80::1%eth0', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
      ],
      'Teredo Tunneling Pseudo-Interface': [
        { address: '2001:0:5ef5:79fb:34e1:18ed:adbb:2299', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: '2001:0:5ef5:79fb:34e1:18ed:adbb:2299/32', scopeid: 0 },
      ],
    } as const;
    expect(interfaceAddresses(table as never)).toEqual(['127.0.0.1', '192.0.2.25', '2001:db8::25', 'fe80::1', '2001:0:5ef5:79fb:34e1:18ed:adbb:2299']);
  });

  it('finds the egress source address without sending anything', async () => {
    const listener = createSocket('udp4');
    let received = 0;
    listener.on('message', () => received++);
    listener.bind(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = listener.address().port;
    expect(await egressAddress('127.0.0.1', port)).toBe('127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toBe(0);
    listener.close();
  });

  it('works over IPv6 and deduplicates', async () => {
    expect(await egressAddress('::1', 9)).toBe('::1');
    expect(await egressAddresses(['127.0.0.1', '::1', '127.0.0.1'])).toEqual(['127.0.0.1', '::1']);
  });

  it('merges sources without duplicates, keeps the most telling source and probes only routable discoveries', () => {
    const { targets, dropped } = mergeTargets({
      config: [{ ip: '192.0.2.25', family: 'ipv4', helo: 'mail.example.com' }],
      interface: ['192.0.2.25', '127.0.0.1', '2001:0:5ef5:79fb:34e1:18ed:adbb:2299', '2a00:1450:4001::1b', '10.0.0.5'],
      egress: ['2a00:1450:4001::1b'],
      log: ['2001:db8::99'],
    }, 100);
    expect(dropped).toBe(0);
    expect(targets.map((t) => [t.ip, t.source, t.kind, t.probed, t.helo])).toEqual([
      ['192.0.2.25', 'config', 'documentation', true, 'mail.example.com'],
      ['2a00:1450:4001::1b', 'egress', 'global', true, null],
      ['2001:db8::99', 'log', 'documentation', true, null],
      ['127.0.0.1', 'interface', 'loopback', false, null],
      ['2001:0:5ef5:79fb:34e1:18ed:adbb:2299', 'interface', 'teredo', true, null],
      ['10.0.0.5', 'interface', 'private', false, null],
    ]);
  });

  it('reuses a known target only while its helo and source are the same', () => {
    const config = [{ ip: '192.0.2.1', family: 'ipv4' as const, helo: 'mx1.example.com' }, { ip: '192.0.2.2', family: 'ipv4' as const, helo: null }];
    const first = mergeTargets({ config, interface: [], egress: [], log: ['2001:db8::1'] }, 10).targets;
    const known = new Map(first.map((t) => [t.ip, t]));
    const again = mergeTargets({ config: [{ ...config[0]!, helo: 'mx9.example.com' }, config[1]!], interface: [], egress: ['2001:db8::1'], log: [] }, 10, (ip) => known.get(ip)).targets;
    expect(again[0]).not.toBe(first[0]);
    expect(again[0]!.helo).toBe('mx9.example.com');
    expect(again[1]).toBe(first[1]);
    expect(again[2]).not.toBe(first[2]);
    expect([again[2]!.source, first[2]!.source]).toEqual(['egress', 'log']);
  });

  it('caps the number of targets, dropping later sources first', () => {
    const { targets, dropped } = mergeTargets({ config: [{ ip: '192.0.2.1', family: 'ipv4', helo: null }], interface: ['8.8.4.4'], egress: [], log: ['2001:db8::1', '2001:db8::2'] }, 2);
    expect(targets.map((t) => t.ip)).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(dropped).toBe(2);
  });

  it('bounds learned targets, evicting the least recently seen', () => {
    const learned = new LearnedTargets(2);
    expect(learned.add('2001:db8::1')).toBe(true);
    expect(learned.add('2001:db8::2')).toBe(true);
    expect(learned.add('2001:db8::1')).toBe(false);
    expect(learned.add('2001:db8::3')).toBe(true);
    expect(learned.list()).toEqual(['2001:db8::1', '2001:db8::3']);
    learned.setMax(1);
    expect(learned.list()).toEqual(['2001:db8::3']);
  });
});
