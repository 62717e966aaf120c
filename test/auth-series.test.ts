import { describe, expect, it } from 'vitest';
import { renderAuthSeries } from '../src/auth-series.js';
import type { AuthCycle } from '../src/auth/check.js';
import { nextSnapshot } from '../src/auth/snapshot.js';
import type { SpfResult } from '../src/auth/types.js';
import { find, parseMetrics, value } from './support/metrics-text.js';
import { promtoolCheck } from './support/promtool.js';

const cycle = (v6: SpfResult, v4: SpfResult = 'pass'): AuthCycle => ({
  pairs: [
    { ip: '2001:db8::25', family: 'ipv6', domain: 'example.org', spf: { result: v6, record: null, error: null, explanation: '' }, ready: v6 === 'pass' },
    { ip: '192.0.2.25', family: 'ipv4', domain: 'example.org', spf: { result: v4, record: null, error: null, explanation: '' }, ready: v4 === 'pass' },
  ],
  domains: [{
    domain: 'example.org',
    dkim: [{ selector: 's2024', status: 'weak', bits: 512, key_type: 'rsa', error: null }],
    dmarc: { status: 'present', policy: 'reject', record: 'v=DMARC1; p=reject', error: null },
  }],
  skipped: 0,
});

describe('auth snapshot and series', () => {
  it('keeps the last definite SPF result through temperror, and drops pairs no longer checked', () => {
    const first = nextSnapshot(null, cycle('fail'));
    const second = nextSnapshot(first, cycle('temperror'));
    expect(second.lastDefinite.get('2001:db8::25 example.org')).toBe('fail');
    const third = nextSnapshot(second, cycle('pass'));
    expect(third.lastDefinite.get('2001:db8::25 example.org')).toBe('pass');
    const gone = nextSnapshot(third, { ...cycle('pass'), pairs: cycle('pass').pairs.slice(1) });
    expect([...gone.lastDefinite.keys()]).toEqual(['192.0.2.25 example.org']);
    expect(nextSnapshot(null, cycle('temperror')).lastDefinite.has('2001:db8::25 example.org')).toBe(false);
  });

  it('renders one 1 per family and pair, temperror only in the current status', async () => {
    const snapshot = nextSnapshot(nextSnapshot(null, cycle('fail')), cycle('temperror'));
    const text = renderAuthSeries(snapshot).toString('utf8');
    const samples = parseMetrics(text);
    const ip = '2001:db8::25';
    expect(find(samples, 'ptr_spf_status', { ip }).filter((s) => s.value === 1).map((s) => s.labels.result)).toEqual(['temperror']);
    expect(find(samples, 'ptr_spf_status', { ip })).toHaveLength(7);
    expect(find(samples, 'ptr_spf_last_definite_status', { ip }).filter((s) => s.value === 1).map((s) => s.labels.result)).toEqual(['fail']);
    expect(find(samples, 'ptr_spf_last_definite_status', { ip })).toHaveLength(6);
    expect(value(samples, 'ptr_sending_ready', { ip, family: 'ipv6', domain: 'example.org' })).toBe(0);
    expect(value(samples, 'ptr_dkim_key_status', { domain: 'example.org', selector: 's2024', status: 'weak' })).toBe(1);
    expect(value(samples, 'ptr_dmarc_status', { domain: 'example.org', status: 'present', policy: 'reject' })).toBe(1);
    expect(value(samples, 'ptr_dmarc_status', { domain: 'example.org', status: 'missing', policy: '' })).toBe(0);
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('renders nothing while no domain is configured', () => {
    expect(renderAuthSeries(null).length).toBe(0);
    expect(renderAuthSeries(nextSnapshot(null, { pairs: [], domains: [], skipped: 0 })).length).toBe(0);
  });
});
