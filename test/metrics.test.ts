import { describe, expect, it } from 'vitest';
import type { Rejection } from '../src/logs/types.js';
import { CACHED, helpOf, METRICS, PROBED_NOW, type MetricName } from '../src/metric-names.js';
import { ExporterMetrics } from '../src/metrics.js';
import { probeRegistry } from '../src/server/probe-route.js';
import { parseMetrics } from './support/metrics-text.js';

function rejection(senderIp: string | null, reason: Rejection['reason'] = 'ipv6_ptr_auth'): Rejection {
  return { provider: 'gmail', reason, code: '5.7.1', replyCode: '550', family: 'ipv6', senderIp, time: 1_700_000_000_000 };
}

describe('log tailer metrics', () => {
  it('caps distinct sender_ip values at limits.max_sender_ips and labels unnamed senders "unknown"', async () => {
    const m = new ExporterMetrics({ version: 't', maxSenderIps: 2, maxLabelLength: 256, defaultMetrics: false });
    for (const ip of ['2001:db8::1', '2001:db8::2', '2001:db8::3', '2001:db8::1', null, '2001:db8::4']) m.recordRejection(rejection(ip));
    m.recordRejection(rejection('2001:db8::2', 'auth'));
    const samples = parseMetrics((await m.render()).toString('utf8'));
    const sender = Object.fromEntries(samples.filter((s) => s.name === 'ptr_smtp_sender_rejections_total').map((s) => [`${s.labels.sender_ip} ${s.labels.reason}`, s.value]));
    expect(sender).toEqual({ '2001:db8::1 ipv6_ptr_auth': 2, '2001:db8::2 ipv6_ptr_auth': 1, 'other ipv6_ptr_auth': 2, 'unknown ipv6_ptr_auth': 1, '2001:db8::2 auth': 1 });
    const total = samples.filter((s) => s.name === 'ptr_smtp_rejections_total');
    expect(total.map((s) => [s.labels.reason, s.labels.code, s.labels.family, s.value])).toEqual([['ipv6_ptr_auth', '5.7.1', 'ipv6', 6], ['auth', '5.7.1', 'ipv6', 1]]);
    expect(samples.find((s) => s.name === 'ptr_smtp_last_rejection_timestamp_seconds' && s.labels.reason === 'auth')!.value).toBe(1_700_000_000);
  });

  it('reads each log\'s statistics at scrape time and forgets a log that is gone', async () => {
    const m = new ExporterMetrics({ version: 't', maxSenderIps: 2, maxLabelLength: 256, defaultMetrics: false });
    let stats = new Map([['C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', { lines: 10, bytes: 900, rotations: 1, truncations: 0, readErrors: 2, open: true }]]);
    m.setLogStatsSource(() => stats);
    let samples = parseMetrics((await m.render()).toString('utf8'));
    const of = (name: string) => samples.filter((s) => s.name === name).map((s) => [s.labels.path, s.value]);
    expect(of('ptr_log_lines_total')).toEqual([['C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', 10]]);
    expect(of('ptr_log_read_errors_total')).toEqual([['C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', 2]]);
    expect(of('ptr_log_open')).toEqual([['C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log', 1]]);
    stats = new Map();
    samples = parseMetrics((await m.render()).toString('utf8'));
    expect(of('ptr_log_lines_total')).toEqual([]);
  });
});

describe('metric names and HELP texts', () => {
  it('declares every exposed family once, with the same HELP text on /metrics and on /probe', async () => {
    const m = new ExporterMetrics({ version: 't', maxSenderIps: 2, maxLabelLength: 256, defaultMetrics: false });
    const help = (body: string) => new Map([...body.matchAll(/^# HELP (\S+) (.*)$/gm)].map((h) => [h[1]!, h[2]!]));
    // The SPF, DKIM and DMARC families appear once a domain is configured and checked.
    expect([...help((await m.render()).toString('utf8')).keys()]).not.toContain('ptr_spf_status');
    const dmarc = { status: 'missing' as const, policy: null, record: null, error: null };
    m.recordAuth({ cycle: { pairs: [], domains: [{ domain: 'example.org', dkim: [], dmarc }], skipped: 0 }, lastDefinite: new Map() });
    const text = (await m.render()).toString('utf8');
    const exposed = help(text);
    expect([...exposed.keys()].sort()).toEqual(Object.keys(METRICS).sort());
    for (const [name, text] of exposed) expect(text).toBe(helpOf(name as MetricName));
    expect(exposed.get('ptr_probe_success')).toBe(`${METRICS.ptr_probe_success.help} ${CACHED}`);

    const result = { ip: '2001:db8::25', family: 'ipv6' as const, status: 'pass' as const, iprev: 'pass' as const, ptr: [], forward: {}, confirmed: [], helo: null, duration_seconds: 0.1, error: null };
    const probe = help(await probeRegistry(result).metrics());
    expect([...probe.keys()].sort()).toEqual(['ptr_probe_duration_seconds', 'ptr_probe_status', 'ptr_probe_success']);
    for (const [name, text] of probe) expect(text).toBe(`${METRICS[name as MetricName].help} ${PROBED_NOW}`);
  });
});
