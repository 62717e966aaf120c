import { describe, expect, it } from 'vitest';
import type { AuthStatus } from '../src/exporter/auth-status.js';
import type { TargetStatus } from '../src/exporter/exporter.js';
import { renderLandingPage } from '../src/server/landing-page.js';

const target = (more: Partial<TargetStatus>): TargetStatus => ({
  ip: '192.0.2.30', family: 'ipv4', status: 'mismatch', iprev: 'fail', ptr: ['n0000.example.com'], forward: { 'n0000.example.com': ['198.51.100.30'] },
  confirmed: [], helo: null, duration_seconds: 0.01, error: 'x', source: 'config', kind: 'documentation', probed: true,
  last_definite_status: 'mismatch', last_checked: '2026-11-27T10:00:00.000Z', ...more,
});

describe('landing page', () => {
  it('says how many PTR names of a target were not checked', () => {
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({ ptr_skipped: 990 })], logs: [], auth: [] }, rejections: [], advice: () => null });
    expect(html).toContain('<div class="detail">990 more PTR names not checked</div>');
    const plain = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({})], logs: [], auth: [] }, rejections: [], advice: () => null });
    expect(plain).not.toContain('not checked');
  });

  it('explains a not-ready IPv6 sender in one sentence, and leaves out SPF temperror, interface addresses and ready pairs', () => {
    const v6 = target({ ip: '2001:db8::25', family: 'ipv6', status: 'pass', iprev: 'pass', confirmed: ['n0000.example.com'], source: 'egress' });
    const pair = (domain: string, more: Partial<AuthStatus>): AuthStatus => ({
      ip: '2001:db8::25', family: 'ipv6', source: 'egress', kind: 'global', domain, dkim: [], ready: false, spf_last_definite: 'fail',
      spf: { result: 'fail', record: 'v=spf1 ip4:192.0.2.0/24 -all', error: null, explanation: '' },
      dmarc: { status: 'missing', policy: null, record: null, error: null },
      advice: `2001:db8::25 sends for ${domain}, whose SPF record lists only IPv4: add ip6:2001:db8::/64.`, ...more,
    });
    const auth = [
      pair('example.org', {}),
      pair('example.net', { spf: { result: 'temperror', record: null, error: 'ETIMEOUT', explanation: '' } }),
      pair('example.com', { ready: true }),
      pair('example.org', { ip: '2001:db8::99', source: 'interface' }),
    ];
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [v6], logs: [], auth }, rejections: [], advice: () => null });
    const banner = /<div class="verdict fail" id="verdict"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
    expect(banner).toContain('IPv6 mail from 1 address passes reverse DNS but neither SPF nor DKIM');
    expect(banner).toContain('2001:db8::25 sends for example.org, whose SPF record lists only IPv4: add ip6:2001:db8::/64');
    expect(banner).not.toContain('example.net');
    expect(banner).not.toContain('example.com');
    expect(banner).not.toContain('2001:db8::99');
    const none = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [v6], logs: [], auth: auth.slice(1) }, rejections: [], advice: () => null });
    expect(none).not.toContain('neither SPF nor DKIM');
  });
});
