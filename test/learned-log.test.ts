import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { Exporter } from '../src/exporter/exporter.js';
import { LogThrottle } from '../src/exporter/log-throttle.js';
import { createLogger } from '../src/logger.js';

// Every PTR-related rejection that names a new sending IP teaches the exporter a target; a log naming
// 100,000 of them must not write 100,000 log lines.

const GMAIL = 'gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1a]';

function line(i: number): string {
  const ip = `2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
  return `Nov 27 10:00:01 mx postfix/smtp[1]: Q${i.toString(16).toUpperCase()}: to=<u@gmail.com>, relay=${GMAIL}:25, dsn=5.7.1, status=bounced (host ${GMAIL} said: 550-5.7.1 [${ip}] Gmail has detected that this message does not meet IPv6 sending guidelines regarding PTR records and authentication. 550 5.7.1 gsmtp (in reply to end of DATA command))\n`;
}

describe('the "learned a sending IP" log line', () => {
  it('is written at most 10 times a minute, plus one note, for 100,000 distinct learned IPs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptr learned '));
    const log = join(dir, 'mail.log');
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(line(i));
    writeFileSync(log, lines.join(''));
    const written: string[] = [];
    const exporter = new Exporter(parseConfig(`
probe: { schedule: "0 0 1 1 *", run_on_start: false }
dns: { servers: ["127.0.0.1:9"], timeout: 100ms, attempts: 1 }
discover: { interfaces: false, egress: false, from_logs: true }
logs: [{ path: ${JSON.stringify(log)}, format: postfix, start_at: beginning }]
`), 't', createLogger('info', 'logfmt', (l) => written.push(l)), { logPollIntervalMs: 60_000 });
    try {
      await exporter.start();
      while ((exporter.logs.stats().get(log)?.lines ?? 0) < 100_000) await exporter.logs.pollAll();
      expect(exporter.tally.list().reduce((n, r) => n + r.count, 0)).toBe(100_000);
      const learned = written.filter((l) => l.includes('msg="learned a sending IP'));
      const notes = written.filter((l) => l.includes('msg="learned more sending IPs'));
      expect(learned).toHaveLength(10);
      expect(notes).toHaveLength(1);
      expect(learned[0]).toContain('ip=2001:db8:: ');
    } finally {
      await exporter.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('throttles per window', () => {
    let now = 0;
    const t = new LogThrottle(2, 1000, () => now);
    expect([t.take(), t.take(), t.take(), t.take()]).toEqual(['write', 'write', 'hold_back', 'drop']);
    now = 999;
    expect(t.take()).toBe('drop');
    now = 1000;
    expect([t.take(), t.take(), t.take()]).toEqual(['write', 'write', 'hold_back']);
  });
});
