import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { LearnedStore, learnedFilePath } from '../src/exporter/learned-store.js';
import { createLogger } from '../src/logger.js';
import { decodeLearned, encodeLearned } from '../src/targets/learned-file.js';
import { LearnedTargets } from '../src/targets/learned-targets.js';

const DAY = 86_400_000;
const quiet = createLogger('error', 'logfmt', () => undefined);

describe('learned-IPs file', () => {
  it('round-trips and leaves out what is not an address', () => {
    const text = encodeLearned([{ ip: '2001:db8::27', lastSeenMs: Date.UTC(2026, 10, 27) }]);
    expect(JSON.parse(text)).toEqual({ version: 1, learned: [{ ip: '2001:db8::27', last_seen: '2026-11-27T00:00:00.000Z' }] });
    expect(decodeLearned(text)).toEqual({ ok: true, entries: [{ ip: '2001:db8::27', lastSeenMs: Date.UTC(2026, 10, 27) }] });
    expect(decodeLearned('{"version":1,"learned":[{"ip":"mail.example.com","last_seen":"2026-11-27T00:00:00Z"}]}')).toEqual({ ok: true, entries: [] });
  });

  it('names what is wrong with a file that is not one', () => {
    expect(decodeLearned('Nov 27 10:00:01 mx postfix/smtp[1]: ...')).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') as string });
    expect(decodeLearned('{"version":2,"learned":[]}')).toMatchObject({ ok: false, error: expect.stringContaining('not a learned-IPs file') as string });
  });
});

describe('LearnedTargets', () => {
  it('restores within the time to live and the bound, oldest evicted first', () => {
    const t = new LearnedTargets(2);
    const now = 100 * DAY;
    t.restore([{ ip: '192.0.2.1', lastSeenMs: now - 40 * DAY }, { ip: '192.0.2.3', lastSeenMs: now - 1 * DAY }, { ip: '192.0.2.2', lastSeenMs: now - 2 * DAY }, { ip: '192.0.2.4', lastSeenMs: now - 3 * DAY }], now, 30 * DAY);
    expect(t.list()).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(t.expire(now + 28.5 * DAY, 30 * DAY)).toBe(1);
    expect(t.list()).toEqual(['192.0.2.3']);
  });
});

describe('where learned IPs are kept', () => {
  it('next to the first positions file, in learned_file, or nowhere', () => {
    const withPositions = parseConfig('logs: [{ path: /var/log/mail.log, positions_file: /var/lib/ptr-exporter/mail.pos }]\n');
    expect(learnedFilePath(withPositions)).toBe(join('/var/lib/ptr-exporter', 'learned-ips.json'));
    expect(learnedFilePath(parseConfig('logs: [{ path: /var/log/mail.log }]\n'))).toBeNull();
    expect(learnedFilePath(parseConfig('discover: { learned_file: /srv/learned.json }\nlogs: []\n'))).toBe('/srv/learned.json');
    expect(learnedFilePath(parseConfig('discover: { learned_file: "" }\nlogs: [{ path: /var/log/mail.log, positions_file: /p/mail.pos }]\n'))).toBeNull();
  });

  it('never overwrites a file that is not a learned-IPs file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptr learned store '));
    try {
      const file = join(dir, 'mail.log');
      writeFileSync(file, 'Nov 27 10:00:01 mx postfix/smtp[1]: a log line\n');
      const store = new LearnedStore(parseConfig(`discover: { learned_file: ${JSON.stringify(file)} }\nlogs: []\n`), quiet);
      await store.load();
      store.add('2001:db8::27', Date.now());
      await store.flush();
      expect(readFileSync(file, 'utf8')).toBe('Nov 27 10:00:01 mx postfix/smtp[1]: a log line\n');
      expect(store.list()).toEqual(['2001:db8::27']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
