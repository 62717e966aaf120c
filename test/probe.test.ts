import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import dgram from 'node:dgram';
import { adviceFor } from '../src/probe/advice.js';
import { probeIp } from '../src/probe/probe.js';
import { ProbeSeries } from '../src/probe-series.js';
import { createResolver } from '../src/probe/resolver.js';
import { reverseName } from '../src/probe/reverse-name.js';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from './support/dns-server.js';

const ptr = (ip: string, name: string): ZoneRecord => ({ name: reverseName(ip), type: 'PTR', data: name });
const a = (name: string, data: string): ZoneRecord => ({ name, type: 'A', data });
const aaaa = (name: string, data: string): ZoneRecord => ({ name, type: 'AAAA', data });

const ZONE: ZoneRecord[] = [
  ptr('192.0.2.10', 'MX1.Example.COM.'), a('mx1.example.com', '192.0.2.10'),
  ptr('2001:db8::10', 'mx1.example.com'), aaaa('mx1.example.com', '2001:db8::10'),
  // 192.0.2.11 / 2001:db8::11: NXDOMAIN; 192.0.2.12 / 2001:db8::12: the reverse name exists without a PTR (NODATA)
  a(reverseName('192.0.2.12'), '192.0.2.99'), a(reverseName('2001:db8::12'), '192.0.2.99'),
  ptr('192.0.2.13', 'noaddr.example.com'), aaaa('noaddr.example.com', '2001:db8::99'),
  ptr('2001:db8::13', 'gone.example.com'),
  ptr('192.0.2.14', 'elsewhere.example.com'), a('elsewhere.example.com', '198.51.100.14'),
  ptr('2001:db8::14', 'elsewhere.example.com'), aaaa('elsewhere.example.com', '2001:db8::99'),
  ptr('192.0.2.15', 'a.example.com'), ptr('192.0.2.15', 'b.example.com'),
  a('a.example.com', '198.51.100.15'), a('b.example.com', '192.0.2.15'),
  ptr('2001:db8::15', 'a.example.com'), ptr('2001:db8::15', 'b.example.com'),
  aaaa('a.example.com', '2001:db8::99'), aaaa('b.example.com', '2001:db8::15'),
  ptr('192.0.2.16', 'alias.example.com'), ptr('2001:db8::16', 'alias.example.com'),
  { name: 'alias.example.com', type: 'CNAME', data: 'host.example.net' },
  a('host.example.net', '192.0.2.16'), aaaa('host.example.net', '2001:db8::16'),
  ptr('192.0.2.17', 'mx17.example.com'), ptr('192.0.2.18', 'mx18.example.com'), ptr('192.0.2.19', 'mx19.example.com'),
  ptr('192.0.2.20', 'mx20.example.com'), a('mx20.example.com', '192.0.2.20'),
  ptr('2001:db8::20', 'mx20.example.com'), aaaa('mx20.example.com', '2001:db8::20'),
  ptr('192.0.2.21', 'broken.example.com'),
  ptr('192.0.2.22', 'broken.example.com'), ptr('192.0.2.22', 'ok.example.com'), a('ok.example.com', '192.0.2.22'),
  ptr('192.0.2.23', 'bad name.example.com'), ptr('192.0.2.24', 'semi;colon.example.com'), ptr('192.0.2.24', 'nx.example.com'),
  // 1,000 PTR names; the alphabetically first ten (n0000..n0009) resolve elsewhere, n0999 would confirm
  ...Array.from({ length: 1000 }, (_, i) => ptr('192.0.2.30', `n${String(i).padStart(4, '0')}.example.com`)),
  ...Array.from({ length: 1000 }, (_, i) => a(`n${String(i).padStart(4, '0')}.example.com`, i === 999 ? '192.0.2.30' : '198.51.100.30')),
];

let server: TestDnsServer;
const resolver = (timeoutMs = 1000, attempts = 1, address = server.address) =>
  createResolver({ servers: [address], timeoutMs, attempts });
const probe = (ip: string, helo: string | null = null) => probeIp({ ip, helo }, resolver());

beforeAll(async () => {
  server = await startDnsServer({ records: ZONE });
  server.setFault(reverseName('192.0.2.17'), 'servfail');
  server.setFault(reverseName('192.0.2.18'), 'refused');
  server.setFault(reverseName('192.0.2.19'), 'drop');
  server.setFault(reverseName('192.0.2.20'), 'truncate');
  server.setFault(reverseName('2001:db8::20'), 'truncate');
  server.setFault('broken.example.com', 'servfail');
});
afterAll(() => server.close());

describe.each([
  ['ipv4', '192.0.2', '.'],
  ['ipv6', '2001:db8:', ':'],
] as const)('probeIp over %s', (family, prefix, sep) => {
  const ip = (n: number) => `${prefix}${sep}${n}`;

  test('pass: the PTR name resolves back', async () => {
    const r = await probe(ip(10));
    expect(r).toMatchObject({ ip: ip(10), family, status: 'pass', iprev: 'pass', ptr: ['mx1.example.com'],
      forward: { 'mx1.example.com': [ip(10)] }, confirmed: ['mx1.example.com'], helo: null, error: null });
    expect(r.duration_seconds).toBeGreaterThanOrEqual(0);
  });

  test('no_ptr on NXDOMAIN and on NODATA', async () => {
    const nx = await probe(ip(11));
    expect(nx).toMatchObject({ status: 'no_ptr', iprev: 'permerror', ptr: [] });
    expect(nx.error).toContain('NXDOMAIN');
    const nodata = await probe(ip(12));
    expect(nodata).toMatchObject({ status: 'no_ptr', iprev: 'permerror' });
    expect(nodata.error).toContain('NODATA');
  });

  test('no_forward: the PTR name has no address of this family', async () => {
    const r = await probe(ip(13));
    expect(r.status).toBe('no_forward');
    expect(r.iprev).toBe('fail');
    expect(r.ptr).toHaveLength(1);
    expect(r.confirmed).toEqual([]);
  });

  test('mismatch: the PTR name resolves elsewhere', async () => {
    const r = await probe(ip(14));
    expect(r).toMatchObject({ status: 'mismatch', iprev: 'fail', ptr: ['elsewhere.example.com'], confirmed: [] });
    expect(r.forward['elsewhere.example.com']).toHaveLength(1);
    expect(r.forward['elsewhere.example.com']).not.toContain(ip(14));
  });

  test('two PTR names, one confirms: pass', async () => {
    const r = await probe(ip(15));
    expect(r).toMatchObject({ status: 'pass', ptr: ['a.example.com', 'b.example.com'], confirmed: ['b.example.com'] });
  });

  test('PTR name that is a CNAME to the address: pass', async () => {
    const r = await probe(ip(16));
    expect(r).toMatchObject({ status: 'pass', confirmed: ['alias.example.com'], forward: { 'alias.example.com': [ip(16)] } });
  });

  test('helo equal to the confirmed name, ignoring case and trailing dot: pass', async () => {
    const r = await probe(ip(10), 'MX1.example.COM.');
    expect(r).toMatchObject({ status: 'pass', helo: 'MX1.example.COM.' });
  });

  test('helo that is not a confirmed name: helo_mismatch', async () => {
    expect(await probe(ip(10), 'mail.example.com')).toMatchObject({ status: 'helo_mismatch', iprev: 'fail', confirmed: ['mx1.example.com'] });
    // a.example.com is a PTR name but does not resolve back
    expect((await probe(ip(15), 'a.example.com')).status).toBe('helo_mismatch');
  });

  test('UDP answer with TC is retried over TCP', async () => {
    const before = server.queryCount.tcp;
    const r = await probe(ip(20));
    expect(r.status).toBe('pass');
    expect(server.queryCount.tcp).toBeGreaterThan(before);
  });
});

describe('probeIp temporary errors', () => {
  test('SERVFAIL on the PTR: temperror', async () => {
    const r = await probe('192.0.2.17');
    expect(r).toMatchObject({ status: 'temperror', iprev: 'temperror' });
    expect(r.error).toContain('ESERVFAIL');
  });

  test('REFUSED on the PTR: temperror', async () => {
    const r = await probe('192.0.2.18');
    expect(r.status).toBe('temperror');
    expect(r.error).toContain('EREFUSED');
  });

  test('a server that never answers: temperror', async () => {
    const r = await probeIp({ ip: '192.0.2.19', helo: null }, resolver(200, 1));
    expect(r.status).toBe('temperror');
    expect(r.error).toContain('ETIMEOUT');
  });

  test('SERVFAIL on the only forward lookup: temperror; on one of two with the other confirming: pass', async () => {
    expect((await probe('192.0.2.21')).status).toBe('temperror');
    expect(await probe('192.0.2.22')).toMatchObject({ status: 'pass', confirmed: ['ok.example.com'] });
  });

  test('a closed server port: temperror, never a throw', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
    const port = socket.address().port;
    await new Promise<void>((done) => socket.close(() => done()));
    const r = await probeIp({ ip: '192.0.2.10', helo: null }, resolver(200, 1, `127.0.0.1:${port}`));
    expect(r.status).toBe('temperror');
    expect(r.error).not.toBeNull();
  });
});

describe('probeIp limits and odd names', () => {
  test('1,000 PTR names: 10 looked up, in alphabetical order, the rest reported as skipped', async () => {
    const before = server.queryCount.udp + server.queryCount.tcp;
    const r = await probe('192.0.2.30');
    const queries = server.queryCount.udp + server.queryCount.tcp - before;
    expect(queries).toBeGreaterThanOrEqual(11);
    expect(queries).toBeLessThanOrEqual(13); // one PTR query (retried over TCP: the answer is truncated over UDP) and ten A queries
    expect(r.ptr).toEqual(Array.from({ length: 10 }, (_, i) => `n000${i}.example.com`));
    expect(Object.keys(r.forward)).toEqual(r.ptr);
    expect(r).toMatchObject({ status: 'mismatch', iprev: 'fail', ptr_skipped: 990 });
    expect(r.error).toContain('990 more PTR names not checked');
    expect(adviceFor(r, 'global')).toContain('Only 10 of its 1000 PTR names were checked');
    const series = new ProbeSeries(256);
    series.record(r, Date.now(), r.status);
    expect(Buffer.concat(series.render()).toString('utf8').match(/^ptr_hostname_info\{/gm)).toHaveLength(10);
  });

  test('a PTR name that cannot be looked up (EBADNAME) is said to be invalid, not to lack an A record', async () => {
    const r = await probe('192.0.2.23');
    expect(r).toMatchObject({ status: 'no_forward', ptr: ['bad name.example.com'] });
    expect(r.error).toBe('PTR name "bad name.example.com" is not a valid host name, so it cannot be looked up');
    expect(adviceFor(r, 'global')).toContain('"bad name.example.com" of 192.0.2.23 is not a valid host name');
    const mixed = await probe('192.0.2.24');
    expect(mixed.status).toBe('no_forward');
    expect(mixed.error).toBe('PTR name "semi\\;colon.example.com" is not a valid host name, so it cannot be looked up; PTR name nx.example.com has no A record');
  });
});

describe('probeIp target normalisation', () => {
  test('an IPv4-mapped IPv6 target is probed as IPv4', async () => {
    expect(await probe('::ffff:192.0.2.10')).toMatchObject({ ip: '192.0.2.10', family: 'ipv4', status: 'pass' });
  });

  test('an uppercase, uncompressed IPv6 target is reported compressed', async () => {
    expect(await probe('2001:0DB8:0000:0000:0000:0000:0000:0010')).toMatchObject({ ip: '2001:db8::10', family: 'ipv6', status: 'pass' });
  });

  test('a non-IP target is a temperror value', async () => {
    expect(await probe('mail.example.com')).toMatchObject({ status: 'temperror', ptr: [] });
  });

  test('a target with an IPv6 zone id gets no verdict and no lookup', async () => {
    const before = server.queryCount.udp + server.queryCount.tcp;
    const r = await probe('2001:db8::10%eth0');
    expect(r).toMatchObject({ status: 'temperror', ptr: [], error: '2001:db8::10%eth0 has an IPv6 zone id (%eth0), which means nothing to DNS: not checked' });
    expect(server.queryCount.udp + server.queryCount.tcp).toBe(before);
  });
});

test('a DNS server on ::1 reached as "[::1]:PORT"', async () => {
  const v6 = await startDnsServer({ host: '::1', records: ZONE });
  try {
    expect(v6.address).toBe(`[::1]:${v6.port}`);
    const r = await probeIp({ ip: '2001:db8::10', helo: null }, resolver(1000, 1, v6.address));
    expect(r.status).toBe('pass');
    expect(v6.queryCount.udp).toBeGreaterThan(0);
  } finally {
    await v6.close();
  }
});
