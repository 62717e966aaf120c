import { describe, expect, test } from 'vitest';
import { adviceFor } from '../src/probe/advice.js';
import type { ProbeResult } from '../src/probe/types.js';
import { IPREV } from '../src/probe/verdict.js';
import { addressKind, type AddressKind } from '../src/targets/address.js';

const result = (ip: string, status: ProbeResult['status'], more: Partial<ProbeResult> = {}): ProbeResult => ({
  ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status, iprev: IPREV[status], ptr: [], forward: {}, confirmed: [],
  helo: null, duration_seconds: 0.001, error: null, ...more,
});
/** Tests use documentation addresses; here they stand for global ones (their own advice is tested below). */
const kindOf = (ip: string): AddressKind => (addressKind(ip) === 'documentation' ? 'global' : addressKind(ip));
const advise = (r: ProbeResult) => adviceFor(r, kindOf(r.ip));
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

  test('addresses not used on the Internet: says receivers never see them, not "ask your ISP"', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'a loopback address'], ['::1', 'a loopback address'],
      ['10.1.2.3', 'a private address (RFC 1918)'], ['172.16.0.25', 'a private address (RFC 1918)'], ['192.168.1.25', 'a private address (RFC 1918)'],
      ['fd00::25', 'a unique local IPv6 address (fc00::/7, RFC 4193)'],
      ['100.64.0.25', 'a carrier-grade NAT address (100.64.0.0/10, RFC 6598)'],
      ['169.254.0.25', 'a link-local address'], ['fe80::25', 'a link-local address'],
      ['192.0.2.25', 'a documentation address'], ['198.51.100.25', 'a documentation address'], ['203.0.113.25', 'a documentation address'], ['2001:db8::25', 'a documentation address'],
    ];
    for (const [ip, words] of cases) {
      for (const status of ['no_ptr', 'no_forward', 'mismatch', 'helo_mismatch'] as const) {
        const text = adviceFor(result(ip, status, { ptr: ['mx.example.com'], forward: { 'mx.example.com': ['198.51.100.1'] }, confirmed: ['mx.example.com'], helo: 'mail.example.com' }), addressKind(ip));
        expect(text, `${ip} ${status}`).toContain(`${ip} is ${words}`);
        expect(text, `${ip} ${status}`).toContain('not used on the Internet, so receiving mail servers never see it');
        expect(text, `${ip} ${status}`).toContain("router's public address");
        expect(text, `${ip} ${status}`).toContain('ptr-exporter probe IP');
        for (const away of ['ISP', 'hosting provider', 'in-addr.arpa', 'ip6.arpa', 'stop sending mail over IPv6']) expect(text, `${ip} ${status}`).not.toContain(away);
        expect(text).toMatch(/^[^\n]+$/);
      }
    }
    // The diagnosis stays: what is wrong, then why it does not matter.
    expect(adviceFor(result('10.1.2.3', 'no_ptr'), 'private')).toMatch(/^No PTR record for 10\.1\.2\.3\. That does not matter to receivers: /);
    expect(adviceFor(result('fd00::25', 'no_forward', { ptr: ['mx.example.com'], forward: { 'mx.example.com': [] } }), 'ula'))
      .toMatch(/^The PTR name mx\.example\.com of fd00::25 has no AAAA record\. That does not matter/);
    // A DNS error is still a DNS error, whatever the kind.
    expect(adviceFor(result('10.1.2.3', 'temperror', { error: 'ETIMEOUT' }), 'private')).toContain('check that the configured DNS servers answer');
  });

  test('global, Teredo and 6to4 texts are unchanged', () => {
    expect(adviceFor(result('192.0.2.25', 'no_ptr'), 'global')).toBe('No PTR record for 192.0.2.25: ask the owner of the reverse zone (your ISP or hosting provider) '
      + 'to publish a PTR record at 25.2.0.192.in-addr.arpa naming a host whose A record is 192.0.2.25.');
    expect(adviceFor(result('192.0.2.25', 'mismatch', { ptr: ['mx.example.com'], forward: { 'mx.example.com': ['198.51.100.1'] } }), 'global'))
      .toBe('The PTR name mx.example.com of 192.0.2.25 resolves elsewhere: add 192.0.2.25 to A records, or change the PTR at 25.2.0.192.in-addr.arpa to a name whose A record is 192.0.2.25.');
    expect(adviceFor(result('2001:0:db8::25', 'no_ptr'), 'teredo')).toMatch(/^2001:0:db8::25 is a Teredo address \(2001:0::\/32\): its PTR cannot be fixed by you\./);
    expect(adviceFor(result('2002:c000:219::1', 'no_ptr'), '6to4')).toMatch(/^2002:c000:219::1 is a 6to4 address \(2002::\/16\): its PTR cannot be fixed by you\./);
  });
});
