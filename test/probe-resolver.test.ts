import { promises as dns } from 'node:dns';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeIp } from '../src/probe/probe.js';
import { createResolver } from '../src/probe/resolver.js';
import { reverseName } from '../src/probe/reverse-name.js';
import { startDnsServer, type TestDnsServer } from './support/dns-server.js';

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ records: [] });
});
afterAll(() => server.close());

describe('createResolver', () => {
  test('sees fresh answers on every probe: no caching of answers or NXDOMAIN', async () => {
    const resolver = createResolver({ servers: [server.address], timeoutMs: 1000, attempts: 1 });
    const target = { ip: '198.51.100.7', helo: null };
    expect((await probeIp(target, resolver)).status).toBe('no_ptr');
    server.setRecords([
      { name: reverseName('198.51.100.7'), type: 'PTR', data: 'mx.example.com', ttl: 86400 },
      { name: 'mx.example.com', type: 'A', data: '198.51.100.7', ttl: 86400 },
    ]);
    expect((await probeIp(target, resolver)).status).toBe('pass');
    server.setRecords([
      { name: reverseName('198.51.100.7'), type: 'PTR', data: 'mx.example.com', ttl: 86400 },
      { name: 'mx.example.com', type: 'A', data: '198.51.100.8', ttl: 86400 },
    ]);
    expect((await probeIp(target, resolver)).status).toBe('mismatch');
    server.setRecords([]);
    expect((await probeIp(target, resolver)).status).toBe('no_ptr');
    expect(server.queryCount.udp).toBe(6);
  });

  test('uses every configured server form and rejects an invalid one', () => {
    expect(() => createResolver({ servers: ['192.0.2.53', '192.0.2.54:5353', '[2001:db8::53]:53'], timeoutMs: 500, attempts: 2 })).not.toThrow();
    expect(() => createResolver({ servers: ['dns.example.com'], timeoutMs: 500, attempts: 2 })).toThrow(/dns\.example\.com/);
  });

  test('an empty server list gives a resolver with the system servers', () => {
    const resolver = createResolver({ servers: [], timeoutMs: 500, attempts: 1 });
    expect(resolver.getServers()).toEqual(dns.getServers());
  });
});
