import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-process.js';

// The built CLI (dist/) on hostile configs and arguments: exit 2 and one line naming the file and the field, never a stack.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr cli config '));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${'*a, '.repeat(9)}*a]\nc: &c [${'*b, '.repeat(9)}*b]\nd: [${'*c, '.repeat(9)}*c]\n`;

describe('check-config on hostile configs', () => {
  it.each([
    ['alias-bomb.yml', bomb, 'b[0]: YAML: Excessive alias count indicates a resource exhaustion attack'],
    ['unresolved.yml', 'web:\n  listen_address: *addr\n', 'web.listen_address: YAML: Unresolved alias (the anchor must be set before the alias): addr'],
    ['ready.yml', 'web:\n  telemetry_path: /-/ready\n', 'web.telemetry_path: "/-/ready" is taken by another endpoint (/, /probe, /api/v1/status, /-/healthy, /-/ready, /-/reload)'],
    ['root.yml', 'web:\n  telemetry_path: /\n', 'web.telemetry_path: "/" is taken by another endpoint'],
    ['timeout.yml', 'dns:\n  timeout: 25d\n', 'dns.timeout: "25d" must be at most 30s'],
    ['zone.yml', 'targets:\n  - ip: "2001:db8::25%eth0"\n', 'targets[0].ip: "2001:db8::25%eth0" has an IPv6 zone id (%eth0)'],
    ['positions.yml', 'logs:\n  - path: /var/log/mail.log\n    positions_file: /var/log/mail.log\n', 'logs[0].positions_file: "/var/log/mail.log" is the log file itself'],
  ])('%s: exit 2, one line naming the file and the field', async (name, yaml, message) => {
    const file = join(dir, name);
    await writeFile(file, yaml);
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: ${message}`);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/ReferenceError|fatal|\n\s+at /);
  });

  it('serve refuses the same configs before listening', async () => {
    const file = join(dir, 'serve-bomb.yml');
    await writeFile(file, bomb);
    const r = await runCli(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${file}: b[0]: YAML: Excessive alias count indicates a resource exhaustion attack\n`);
  });
});

describe('probe arguments', () => {
  it('exits 2 on an IPv6 zone id instead of reporting a verdict about it', async () => {
    const r = await runCli(['probe', '2001:db8::25%eth0', '--dns.server', '127.0.0.1:9', '--timeout', '100ms']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: argument "2001:db8::25%eth0" has an IPv6 zone id (%eth0), which names a local interface and means nothing to DNS: give the address without it\n');
  });

  it('exits 2 on a --helo that is not a host name', async () => {
    const r = await runCli(['probe', '192.0.2.25', '--helo', 'bad name!', '--dns.server', '127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--helo.*expected a host name like mail\.example\.com/);
  });
});
