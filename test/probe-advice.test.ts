import { describe, expect, test } from 'vitest';
import { adviceFor } from '../src/probe/advice.js';
import type { ProbeResult } from '../src/probe/types.js';
import { IPREV } from '../src/probe/verdict.js';
import { addressKind } from '../src/targets/address.js';

const result = (ip: string, status: ProbeResult['status'], more: Partial<ProbeResult> = {}): ProbeResult => ({
  ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status, iprev: IPREV[status], ptr: [], forward: {}, confirmed: [],
  helo: null, duration_seconds: 0.001, error: null, ...more,
});
const advise = (r: ProbeResult) => adviceFor(r, addressKind(r.ip));
const IPV6_WAY_OUT = ['MDaemon Setup > Server Settings > IPv6 "accept only IPv4"', 'smtp_address_preference = ipv4', 'inet_protocols = ipv4', 'disable_ipv6 = true'];

describe('adviceFor', () => {
  test('pass: no advice', () => {
    expect(advise(result('192.0.2.25', 'pass', { ptr: ['mx.example.com'], confirmed: ['mx.example.com'] }))).toBeNull();
  });

  test('no_ptr names the reverse name and the party owning the zone', () => {
    const v4 = advise(result('192.0.2.25', 'no_ptr'));
    expect(v4).toContain('25.2.0.192.in-addr.arpa');
    expect(v4).toContain('ISP or hosting provider');
    for (const hint of IPV6_WAY_OUT) expect(v4).not.toContain(hint);
    const v6 = advise(result('2001:db8::25', 'no_ptr'));
    expect(v6).toContain('5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(v6).toContain('IPv6 prefix');
    for (const hint of IPV6_WAY_OUT) expect(v6).toContain(hint);
  });

  test('no_forward names the PTR name and the missing record', () => {
    const a = advise(result('192.0.2.25', 'no_forward', { ptr: ['mx.example.com'], forward: { 'mx.example.com': [] } }));
    expect(a).toContain('"mx.example.com A 192.0.2.25"');
    const aaaa = advise(result('2001:db8::25', 'no_forward', { ptr: ['mx.example.com'], forward: { 'mx.example.com': [] } }));
    expect(aaaa).toContain('"mx.example.com AAAA 2001:db8::25"');
  });

  test('mismatch: include the ip in the name\'s records or change the PTR', () => {
    const text = advise(result('192.0.2.25', 'mismatch', { ptr: ['mx.example.com'], forward: { 'mx.example.com': ['198.51.100.1'] } }));
    expect(text).toContain('mx.example.com');
    expect(text).toContain('add 192.0.2.25 to A records');
    expect(text).toContain('change the PTR');
  });

  test('helo_mismatch names the HELO and the confirmed name', () => {
    const text = advise(result('192.0.2.25', 'helo_mismatch', { ptr: ['mx.example.com'], confirmed: ['mx.example.com'], helo: 'mail.example.com' }));
    expect(text).toContain('HELO mail.example.com');
    expect(text).toContain('HELO name to mx.example.com');
  });

  test('temperror points at the DNS servers', () => {
    const text = advise(result('192.0.2.25', 'temperror', { error: 'PTR lookup of 25.2.0.192.in-addr.arpa failed: ETIMEOUT' }));
    expect(text).toContain('ETIMEOUT');
    expect(text).toContain('DNS servers');
    expect(text).toContain('retry');
  });

  test('Teredo and 6to4 get their own advice', () => {
    const teredo = advise(result('2001:0:db8::25', 'no_ptr'));
    expect(teredo).toContain('Teredo');
    expect(teredo).toContain('netsh interface teredo set state disabled');
    expect(teredo).toContain('cannot be fixed');
    for (const hint of IPV6_WAY_OUT) expect(teredo).toContain(hint);
    const sixToFour = advise(result('2002:c000:219::1', 'mismatch', { ptr: ['x.example.com'], forward: { 'x.example.com': ['2001:db8::1'] } }));
    expect(sixToFour).toContain('6to4');
    expect(sixToFour).toContain('cannot be fixed');
  });

  test('every advice is one line', () => {
    for (const status of ['no_ptr', 'no_forward', 'mismatch', 'helo_mismatch', 'temperror'] as const) {
      for (const ip of ['192.0.2.25', '2001:db8::25', '2001:0:db8::25']) {
        const text = advise(result(ip, status, { ptr: ['mx.example.com'], confirmed: ['mx.example.com'], helo: 'mail.example.com' }));
        expect(text).toMatch(/^[^\n]+$/);
      }
    }
  });
});
