import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogSilence, SILENT_AFTER_MS } from '../src/exporter/log-silence.js';

// A log that stays unopened (a glob matching nothing) is reported once after a day; the systemd unit may read the journal.

const closed = { open: false };
const open = { open: true };

describe('LogSilence', () => {
  it('names a log not open for a day, once, and again only after it opened and closed for another day', () => {
    const s = new LogSilence();
    const glob = 'C:\\MDaemon\\Logs\\MDaemon-*-SMTP (out).log';
    expect(s.observe(0, [[glob, closed], ['/var/log/mail.log', open]])).toEqual([]);
    expect(s.observe(SILENT_AFTER_MS - 1, [[glob, closed]])).toEqual([]);
    expect(s.observe(SILENT_AFTER_MS, [[glob, closed], ['/var/log/mail.log', open]])).toEqual([glob]);
    expect(s.observe(2 * SILENT_AFTER_MS, [[glob, closed]])).toEqual([]);
    expect(s.observe(2 * SILENT_AFTER_MS + 1, [[glob, open]])).toEqual([]);
    expect(s.observe(2 * SILENT_AFTER_MS + 2, [[glob, closed]])).toEqual([]);
    expect(s.observe(3 * SILENT_AFTER_MS + 2, [[glob, closed]])).toEqual([glob]);
  });

  it('forgets a log that is no longer configured', () => {
    const s = new LogSilence(1000);
    expect(s.observe(0, [['journal', closed]])).toEqual([]);
    expect(s.observe(500, [])).toEqual([]);
    expect(s.observe(1200, [['journal', closed]])).toEqual([]);
    expect(s.observe(2200, [['journal', closed]])).toEqual(['journal']);
  });
});

describe('examples/ptr-exporter.service', () => {
  it('joins the groups that may read the journal and /var/log/mail.log', () => {
    const unit = readFileSync(new URL('../examples/ptr-exporter.service', import.meta.url), 'utf8');
    expect(unit).toMatch(/^SupplementaryGroups=systemd-journal adm$/m);
  });
});
