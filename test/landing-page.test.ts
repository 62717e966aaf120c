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
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({ ptr_skipped: 990 })], logs: [], auth: [] }, rejections: [], senders: [], advice: () => null });
    expect(html).toContain('<div class="detail">990 more PTR names not checked</div>');
    const plain = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({})], logs: [], auth: [] }, rejections: [], senders: [], advice: () => null });
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
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [v6], logs: [], auth }, rejections: [], senders: [], advice: () => null });
    const banner = /<div class="verdict fail" id="verdict"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
    expect(banner).toContain('IPv6 mail from 1 address passes reverse DNS but neither SPF nor DKIM');
    expect(banner).toContain('2001:db8::25 sends for example.org, whose SPF record lists only IPv4: add ip6:2001:db8::/64');
    expect(banner).not.toContain('example.net');
    expect(banner).not.toContain('example.com');
    expect(banner).not.toContain('2001:db8::99');
    const none = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [v6], logs: [], auth: auth.slice(1) }, rejections: [], senders: [], advice: () => null });
    expect(none).not.toContain('neither SPF nor DKIM');
  });
});

describe('the banner names each refused sending IP', () => {
  const rows = [
    { provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', count: 4, lastSeenMs: 0 },
    { provider: 'microsoft', reason: 'blocklist', code: '5.7.606', count: 2, lastSeenMs: 0 },
  ];
  const senders = [
    { senderIp: '2001:db8::27', provider: 'gmail', reason: 'ipv6_ptr_auth', code: '5.7.1', count: 3, lastSeenMs: 0 },
    { senderIp: '192.0.2.30', provider: 'microsoft', reason: 'blocklist', code: '5.7.606', count: 2, lastSeenMs: 0 },
  ];
  const refused = target({ ip: '2001:db8::27', family: 'ipv6', status: 'no_ptr', iprev: 'permerror', ptr: [], forward: {}, source: 'log' });

  it('with provider, code, count, its verdict now and the fix; and the rest without an IP', () => {
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [refused], logs: [], auth: [] }, rejections: rows, senders, advice: (t) => `fix for ${t.ip}` });
    expect(html).toContain('<li>Gmail refused <code><b>2001:db8::27</b></code> (5.7.1, 3 times): no PTR record.<span class="fix">fix for 2001:db8::27</span></li>');
    expect(html).toContain('Receivers refused mail for reverse DNS 1 time without naming the sending IP: gmail 5.7.1.');
    expect(html).not.toContain('Microsoft refused');
  });

  it('lists rejections by sending IP with the PTR status now', () => {
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [refused], logs: [], auth: [] }, rejections: rows, senders, advice: () => null });
    expect(html).toContain('<tr class="ptr"><td><code>2001:db8::27</code></td><td>gmail</td><td>ipv6_ptr_auth<span class="tag">PTR</span></td><td>5.7.1</td><td>3</td><td>no_ptr</td></tr>');
    expect(html).toContain('<tr><td><code>192.0.2.30</code></td><td>microsoft</td><td>blocklist</td><td>5.7.606</td><td>2</td><td>not probed</td></tr>');
  });

  it('escapes what came from the log', () => {
    const evil = [{ ...senders[0]!, provider: '<script>', code: '<b>' }];
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [], logs: [], auth: [] }, rejections: rows, senders: evil, advice: () => null });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });
});
