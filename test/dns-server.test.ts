import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import { promises as dns } from 'node:dns';
import dnsPacket from 'dns-packet';
import { startDnsServer, type TestDnsServer, type ZoneRecord } from './support/dns-server.js';

const ZONE: ZoneRecord[] = [
  { name: 'host.example.com', type: 'A', data: '192.0.2.1' },
  { name: 'host.example.com', type: 'A', data: '192.0.2.2' },
  { name: 'www.example.com', type: 'CNAME', data: 'edge.example.net.' },
  { name: 'edge.example.net', type: 'CNAME', data: 'host.example.com' },
  { name: '1.2.0.192.in-addr.arpa', type: 'PTR', data: 'host.example.com.', ttl: 60 },
];

let server: TestDnsServer;
beforeAll(async () => {
  server = await startDnsServer({ records: ZONE });
});
afterAll(() => server.close());

/** Sends one query over UDP and decodes the reply. */
async function udpQuery(name: string, type: 'A' | 'AAAA' | 'PTR' | 'CNAME'): Promise<dnsPacket.DecodedPacket> {
  const socket = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((done) => socket.once('message', done));
    socket.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] }), server.port, server.host);
    return dnsPacket.decode(await reply);
  } finally {
    socket.close();
  }
}

/** Sends one query over TCP (length-prefixed) and decodes the reply. */
async function tcpQuery(name: string, type: 'A' | 'AAAA' | 'PTR'): Promise<dnsPacket.DecodedPacket> {
  const socket = net.connect(server.port, server.host);
  try {
    const chunks: Buffer[] = [];
    const reply = new Promise<Buffer>((done) => socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) done(all.subarray(2));
    }));
    socket.write(dnsPacket.streamEncode({ type: 'query', id: 9, questions: [{ name, type }] }));
    return dnsPacket.decode(await reply);
  } finally {
    socket.destroy();
  }
}

const rcode = (p: dnsPacket.DecodedPacket) => (p as unknown as { rcode: string }).rcode;
/** The data of an answer record (OPT records have none). */
const dataOf = (r: dnsPacket.Answer | undefined): unknown => (r !== undefined && 'data' in r ? r.data : undefined);

describe('test DNS server', () => {
  test('answers records authoritatively, case-insensitively, echoing the question', async () => {
    const p = await udpQuery('HOST.Example.COM', 'A');
    expect(p.id).toBe(7);
    expect(p.flag_aa).toBe(true);
    expect(rcode(p)).toBe('NOERROR');
    expect(p.questions?.[0]?.name).toBe('HOST.Example.COM');
    expect(p.answers?.map((r) => dataOf(r))).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  test('NXDOMAIN for an unknown name, NODATA for a known name without the type', async () => {
    const nx = await udpQuery('nowhere.example.com', 'A');
    expect(rcode(nx)).toBe('NXDOMAIN');
    const nodata = await udpQuery('host.example.com', 'AAAA');
    expect(rcode(nodata)).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
  });

  test('a CNAME chain is answered with every CNAME and the target records', async () => {
    const p = await udpQuery('www.example.com', 'A');
    expect(p.answers?.map((r) => [r.name, r.type, dataOf(r)])).toEqual([
      ['www.example.com', 'CNAME', 'edge.example.net'],
      ['edge.example.net', 'CNAME', 'host.example.com'],
      ['host.example.com', 'A', '192.0.2.1'],
      ['host.example.com', 'A', '192.0.2.2'],
    ]);
    const cname = await udpQuery('www.example.com', 'CNAME');
    expect(cname.answers).toHaveLength(1);
  });

  test('answers over TCP on the same port and counts both transports', async () => {
    const before = { ...server.queryCount };
    const p = await tcpQuery('1.2.0.192.in-addr.arpa', 'PTR');
    expect(p.answers?.[0]).toMatchObject({ type: 'PTR', data: 'host.example.com', ttl: 60 });
    expect(server.queryCount.tcp).toBe(before.tcp + 1);
    expect(server.queryCount.udp).toBe(before.udp);
  });

  test('truncate: UDP gets TC and no answers, TCP the full answer', async () => {
    server.setFault('host.example.com', 'truncate');
    try {
      const udp = await udpQuery('host.example.com', 'A');
      expect(udp.flag_tc).toBe(true);
      expect(udp.answers).toEqual([]);
      const tcp = await tcpQuery('host.example.com', 'A');
      expect(tcp.flag_tc).toBe(false);
      expect(tcp.answers).toHaveLength(2);
    } finally {
      server.setFault('host.example.com', null);
    }
  });

  test('servfail, refused and drop faults, per name and for every name', async () => {
    server.setFault('host.example.com', 'servfail');
    expect(rcode(await udpQuery('host.example.com', 'A'))).toBe('SERVFAIL');
    expect(rcode(await udpQuery('www.example.com', 'CNAME'))).toBe('NOERROR');
    server.setFault('host.example.com', null);
    server.setFault('*', 'refused');
    expect(rcode(await udpQuery('www.example.com', 'CNAME'))).toBe('REFUSED');
    server.setFault('*', 'drop');
    const resolver = new dns.Resolver({ timeout: 100, tries: 1 });
    resolver.setServers([server.address]);
    await expect(resolver.resolve4('host.example.com')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    server.setFault('*', null);
    expect(rcode(await udpQuery('host.example.com', 'A'))).toBe('NOERROR');
  });

  test('TXT records longer than 255 bytes go out as several character-strings; MX as preference and exchange', async () => {
    const long = `v=spf1 ${'ip4:192.0.2.1 '.repeat(30)}-all`;
    server.setRecords([
      ...ZONE,
      { name: 'example.org', type: 'TXT', data: long },
      { name: 'example.org', type: 'TXT', data: 'v=DMARC1; p=none' },
      { name: 'example.org', type: 'MX', data: '10 mx1.example.org.' },
    ]);
    try {
      const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([server.address]);
      const txt = await resolver.resolveTxt('example.org');
      expect(txt.map((r) => r.length)).toEqual([2, 1]);
      expect(txt.map((r) => r.join(''))).toEqual([long, 'v=DMARC1; p=none']);
      expect((await resolver.resolveMx('example.org')).map(({ priority, exchange }) => ({ priority, exchange }))).toEqual([{ priority: 10, exchange: 'mx1.example.org' }]);
      expect(server.questions.slice(-2)).toEqual(['TXT example.org', 'MX example.org']);
    } finally {
      server.setRecords(ZONE);
    }
  });

  test('setRecords replaces the zone', async () => {
    server.setRecords([{ name: 'new.example.com', type: 'AAAA', data: '2001:db8::1' }]);
    try {
      expect(rcode(await udpQuery('host.example.com', 'A'))).toBe('NXDOMAIN');
      expect(dataOf((await udpQuery('new.example.com', 'AAAA')).answers?.[0])).toBe('2001:db8::1');
    } finally {
      server.setRecords(ZONE);
    }
  });
});
