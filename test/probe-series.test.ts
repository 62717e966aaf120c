import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../src/metrics.js';
import type { ProbeResult } from '../src/probe/types.js';
import type { Target } from '../src/targets/target.js';
import { parseMetrics } from './support/metrics-text.js';
import { promtoolCheck } from './support/promtool.js';

function target(ip: string, helo: string | null = null): Target {
  return { ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', helo, source: 'config', kind: 'documentation', probed: true };
}

function result(ip: string, status: ProbeResult['status'], ptr: string[] = [], confirmed: string[] = []): ProbeResult {
  return { ip, family: ip.includes(':') ? 'ipv6' : 'ipv4', status, iprev: 'fail', ptr, forward: {}, confirmed, helo: null, duration_seconds: 0.25, error: null };
}

describe('per-target probe series', () => {
  it('escapes and caps hostile PTR names so the exposition stays valid', async () => {
    const m = new ExporterMetrics({ version: 't', maxSenderIps: 4, maxLabelLength: 64, defaultMetrics: false });
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`; // 253 characters
    const hostile = 'evil"\\name\n\u0007\u0000.example.com';
    m.setTargets([target('192.0.2.25', 'mail"x'), target('2001:db8::25')]);
    m.recordProbe(result('192.0.2.25', 'mismatch', [long, hostile]), 1_700_000_000_000, 'mismatch');
    m.recordProbe(result('2001:db8::25', 'pass', ['mail.example.com'], ['mail.example.com']), 1_700_000_000_000, 'pass');
    const text = (await m.render()).toString('utf8');
    const names = parseMetrics(text).filter((s) => s.name === 'ptr_hostname_info').map((s) => s.labels.hostname);
    expect(names).toContain(`${long.slice(0, 61)}...`);
    expect(names).toContain('evil"\\name\\x0a\\x07\\x00.example.com');
    expect(text).toContain('helo="mail\\"x"');
    const check = await promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);
  });

  it('keeps PTR names through a temperror, counts probes per status and drops every series of a removed target', async () => {
    const m = new ExporterMetrics({ version: 't', maxSenderIps: 4, maxLabelLength: 256, defaultMetrics: false });
    m.setTargets([target('192.0.2.25'), target('192.0.2.26')]);
    m.recordProbe(result('192.0.2.25', 'pass', ['mail.example.com'], ['mail.example.com']), 1_000, 'pass');
    m.recordProbe(result('192.0.2.25', 'temperror'), 2_000, 'pass');
    let samples = parseMetrics((await m.render()).toString('utf8'));
    const of = (name: string, ip: string) => samples.filter((s) => s.name === name && s.labels.ip === ip);
    expect(of('ptr_probes_total', '192.0.2.25').map((s) => [s.labels.status, s.value])).toEqual([['pass', 1], ['temperror', 1]]);
    expect(of('ptr_hostname_info', '192.0.2.25').map((s) => s.labels.confirmed)).toEqual(['true']);
    expect(of('ptr_probe_status', '192.0.2.25').filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual(['temperror']);
    expect(of('ptr_probe_last_definite_status', '192.0.2.25').filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual(['pass']);
    expect(of('ptr_probe_timestamp_seconds', '192.0.2.25')[0]!.value).toBe(2);
    expect(of('ptr_target_info', '192.0.2.26')).toHaveLength(1);
    expect(of('ptr_probe_success', '192.0.2.26')).toHaveLength(0);
    m.setTargets([target('192.0.2.26')]);
    samples = parseMetrics((await m.render()).toString('utf8'));
    expect(samples.filter((s) => s.labels.ip === '192.0.2.25')).toEqual([]);
    expect(samples.find((s) => s.name === 'ptr_targets')!.value).toBe(1);
  });
});
