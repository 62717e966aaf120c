import { describe, expect, it } from 'vitest';
import { diagnose, type DoctorAuth, type DoctorFindings } from '../src/doctor/problems.js';
import type { ProbeResult } from '../src/probe/types.js';

function probe(ip: string, status: ProbeResult['status'], ptr: string[] = []): ProbeResult {
  const ok = status === 'pass';
  return { ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status, iprev: ok ? 'pass' : status === 'no_ptr' ? 'permerror' : status === 'temperror' ? 'temperror' : 'fail',
    ptr, forward: ok ? { [ptr[0]!]: [ip] } : {}, confirmed: ok ? ptr : [], helo: null, duration_seconds: 0.001, error: status === 'temperror' ? 'queryPtr ETIMEOUT' : null };
}

function auth(ip: string, result: string, dkim = 'missing'): DoctorAuth {
  return { ip, domain: 'example.org', spf: { result: result as DoctorAuth['spf']['result'], record: 'v=spf1 ip4:192.0.2.0/24 -all', error: null, explanation: '' },
    dkim: [{ selector: 's2024', status: dkim as DoctorAuth['dkim'][number]['status'], bits: dkim === 'valid' ? 2048 : null, key_type: dkim === 'valid' ? 'rsa' : null, error: null }],
    dmarc: { status: 'present', policy: 'reject', record: 'v=DMARC1; p=reject', error: null },
    ready: false, advice: result === 'pass' ? null : 'Add ip6:2001:db8::/64 to the SPF record of example.org: "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 -all".' };
}

const base: DoctorFindings = {
  addresses: [], egress: { ipv4: '192.0.2.25', ipv6: '2001:db8::25' }, targets: [], auth: [], mta: [], rejections: null,
};

const G6 = '2001:db8::25';
const G4 = '192.0.2.25';

describe('doctor problems', () => {
  it('says when no address could be checked because none is used on the Internet', () => {
    const d = diagnose({ ...base, addresses: [{ ip: '10.0.0.5', family: 'ipv4', kind: 'private' }], targets: [] });
    expect(d.problems.map((p) => [p.id, p.severity])).toEqual([['no-public-address', 'warning']]);
    expect(d.problems[0]!.fix).toContain('targets: [{ ip: 203.0.113.25 }]');
  });

  it('no problem: exit-0 verdict', () => {
    const d = diagnose({ ...base, targets: [probe(G4, 'pass', ['mx1.example.org']), probe(G6, 'pass', ['mx1.example.org'])], auth: [{ ...auth(G4, 'pass', 'valid') }] });
    expect(d.problems).toEqual([]);
    expect(d.verdict).toBe('No problem found: 2 sending addresses checked, SPF passes.');
  });

  it('a no-PTR IPv6 address, an IPv4-only SPF record and the rejection: critical, IPv6 verdict', () => {
    const d = diagnose({
      ...base,
      targets: [probe(G4, 'pass', ['mx1.example.org']), probe(G6, 'no_ptr')],
      auth: [auth(G4, 'pass'), auth(G6, 'fail')],
      rejections: { files: [], totals: { rejections: 3, ptr_related: 3 }, rejections: [
        { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', reply_code: '550', family: 'ipv6', sender_ip: G6, count: 3, first_seen: null, last_seen: null },
      ] },
    });
    expect(d.problems.map((p) => [p.id, p.severity])).toEqual([
      [`ptr:${G6}`, 'critical'],
      [`spf:${G6}:example.org`, 'critical'],
      [`rejected:gmail:${G6}:5.7.1`, 'critical'],
      ['dkim:example.org:s2024', 'warning'],
    ]);
    expect(d.problems[0]!.what).toBe(`${G6} fails forward-confirmed reverse DNS: no PTR record.`);
    // 2001:db8::25 is a documentation address, so the advice says receivers never see it (not "ask your ISP").
    expect(d.problems[0]!.fix).toContain('No PTR record for 2001:db8::25. That does not matter to receivers');
    expect(d.problems[1]!.fix).toContain('ip6:2001:db8::/64');
    expect(d.problems[2]!.what).toBe(`Gmail refused mail from ${G6} for reverse DNS 3 times in the last 24 hours (550 5.7.1).`);
    expect(d.verdict).toBe(`Mail to Gmail over IPv6 will be refused: ${G6} fails forward-confirmed reverse DNS: no PTR record.`);
  });

  it('an IPv6 failure is a warning when the MTA does not send over IPv6', () => {
    const d = diagnose({
      ...base,
      targets: [probe(G6, 'no_ptr')],
      mta: [{ name: 'postfix', file: '/etc/postfix/main.cf', ipv6: 'disabled', detail: 'inet_protocols = ipv4, smtp_address_preference = any' }],
    });
    expect(d.problems).toHaveLength(1);
    expect(d.problems[0]!.severity).toBe('warning');
    expect(d.problems[0]!.what).toContain('not used for mail now: postfix inet_protocols = ipv4');
    expect(d.verdict).toBe('No refusal expected, but 1 warning to look at.');
  });

  it('SPF failing with a valid DKIM key is a warning; a DNS temperror is never a failure', () => {
    const d = diagnose({ ...base, targets: [probe(G4, 'temperror')], auth: [auth(G6, 'softfail', 'valid'), auth(G4, 'temperror', 'valid')] });
    expect(d.problems.map((p) => [p.id, p.severity])).toEqual([[`dns:${G4}`, 'warning'], [`spf:${G6}:example.org`, 'warning']]);
  });

  it('names a missing DKIM key and DMARC record once per domain', () => {
    const a = auth(G4, 'pass');
    const d = diagnose({ ...base, auth: [{ ...a, dmarc: { status: 'missing', policy: null, record: null, error: null } }, { ...auth(G6, 'pass'), dmarc: { status: 'missing', policy: null, record: null, error: null } }] });
    expect(d.problems.map((p) => p.id)).toEqual(['dkim:example.org:s2024', 'dmarc:example.org']);
  });

  it('an IPv4 failure gives the general verdict', () => {
    const d = diagnose({ ...base, targets: [probe(G4, 'mismatch', ['mail.example.org'])] });
    expect(d.verdict).toMatch(/^Mail will be refused by receivers that check reverse DNS or authentication: 192\.0\.2\.25 fails/);
  });
});
