import { describe, expect, it } from 'vitest';
import type { TargetStatus } from '../src/exporter/exporter.js';
import { renderLandingPage } from '../src/server/landing-page.js';

const target = (more: Partial<TargetStatus>): TargetStatus => ({
  ip: '192.0.2.30', family: 'ipv4', status: 'mismatch', iprev: 'fail', ptr: ['n0000.example.com'], forward: { 'n0000.example.com': ['198.51.100.30'] },
  confirmed: [], helo: null, duration_seconds: 0.01, error: 'x', source: 'config', kind: 'documentation', probed: true,
  last_definite_status: 'mismatch', last_checked: '2026-11-27T10:00:00.000Z', ...more,
});

describe('landing page', () => {
  it('says how many PTR names of a target were not checked', () => {
    const html = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({ ptr_skipped: 990 })], logs: [] }, rejections: [], advice: () => null });
    expect(html).toContain('<div class="detail">990 more PTR names not checked</div>');
    const plain = renderLandingPage({ version: 't', telemetryPath: 'metrics', status: { targets: [target({})], logs: [] }, rejections: [], advice: () => null });
    expect(plain).not.toContain('not checked');
  });
});
