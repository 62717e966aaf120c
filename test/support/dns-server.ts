import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/**
 * One record of the test zone; names are case-insensitive, a trailing dot is ignored. TXT data is the record's text
 * (sent as 255-byte character-strings, RFC 7208 section 3.3); MX data is "PREFERENCE EXCHANGE".
 */
export interface ZoneRecord {
  name: string;
  type: 'PTR' | 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX';
  data: string;
  ttl?: number;
}

/** How the server misbehaves for a name ('*' = every name); null clears it. */
export type DnsFault = 'servfail' | 'refused' | 'drop' | 'truncate';

/** A running test DNS server answering over UDP and TCP on the same port. */
export interface TestDnsServer {
  host: string;
  port: number;
  /** "127.0.0.1:PORT" or "[::1]:PORT", as a dns.servers entry. */
  address: string;
  setRecords(records: readonly ZoneRecord[]): void;
  setFault(name: string, fault: DnsFault | null): void;
  /** Queries received so far, live. */
  readonly queryCount: { udp: number; tcp: number };
  /** Every question received, as "TYPE name" (name lowercased, no trailing dot), live. */
  readonly questions: string[];
  close(): Promise<void>;
}

export interface DnsServerOptions {
  host?: string;
  records: readonly ZoneRecord[];
}

type Zone = Map<string, Map<string, dnsPacket.Answer[]>>;

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;
const REFUSED = 5;
const MAX_CNAME_HOPS = 8;

const key = (name: string): string => name.toLowerCase().replace(/\.$/, '');

function buildZone(records: readonly ZoneRecord[]): Zone {
  const zone: Zone = new Map();
  for (const r of records) {
    const name = key(r.name);
    let node = zone.get(name);
    if (!node) zone.set(name, (node = new Map<string, dnsPacket.StringAnswer[]>()));
    const rrs = node.get(r.type) ?? [];
    rrs.push(toAnswer(r));
    node.set(r.type, rrs);
  }
  return zone;
}

/** The wire form of one zone record. */
function toAnswer(r: ZoneRecord): dnsPacket.Answer {
  const base = { name: r.name.replace(/\.$/, ''), ttl: r.ttl ?? 300 };
  if (r.type === 'TXT') {
    const bytes = Buffer.from(r.data, 'utf8');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length || i === 0; i += 255) chunks.push(bytes.subarray(i, i + 255));
    return { ...base, type: 'TXT', data: chunks };
  }
  if (r.type === 'MX') {
    const [preference, exchange] = r.data.trim().split(/\s+/);
    return { ...base, type: 'MX', data: { preference: Number(preference), exchange: (exchange ?? '').replace(/\.$/, '') } };
  }
  return { ...base, type: r.type, data: r.data.replace(/\.$/, '') };
}

/** Answers one question like an authoritative server: records, CNAME chain, NODATA or NXDOMAIN. */
function resolve(zone: Zone, question: dnsPacket.Question): { rcode: number; answers: dnsPacket.Answer[] } {
  const answers: dnsPacket.Answer[] = [];
  let owner = question.name;
  for (let hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    const node = zone.get(key(owner));
    if (!node) return { rcode: NXDOMAIN, answers };
    const direct = node.get(question.type);
    if (direct) {
      for (const rr of direct) answers.push({ ...rr, name: owner });
      return { rcode: NOERROR, answers };
    }
    const cname = node.get('CNAME')?.[0];
    if (!cname || cname.type !== 'CNAME') return { rcode: NOERROR, answers };
    answers.push({ ...cname, name: owner });
    owner = cname.data;
  }
  return { rcode: SERVFAIL, answers: [] };
}

/** Starts a DNS server on HOST:0 (default 127.0.0.1) over UDP and TCP sharing one port. */
export async function startDnsServer(options: DnsServerOptions): Promise<TestDnsServer> {
  const host = options.host ?? '127.0.0.1';
  let zone = buildZone(options.records);
  const faults = new Map<string, DnsFault>();
  const queryCount = { udp: 0, tcp: 0 };
  const questions: string[] = [];

  /** Builds the reply to a raw query, or null to stay silent. */
  const reply = (msg: Buffer, overUdp: boolean): Buffer | null => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return null;
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question) return null;
    questions.push(`${question.type} ${key(question.name)}`);
    const fault = faults.size === 0 ? undefined : faults.get(key(question.name)) ?? faults.get('*');
    if (fault === 'drop') return null;
    let flags = dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0);
    let answers: dnsPacket.Answer[] = [];
    if (fault === 'servfail') flags |= SERVFAIL;
    else if (fault === 'refused') flags |= REFUSED;
    else if (fault === 'truncate' && overUdp) flags |= dnsPacket.TRUNCATED_RESPONSE;
    else {
      const result = resolve(zone, question);
      flags |= result.rcode;
      answers = result.answers;
    }
    return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags, questions: [question], answers });
  };

  const { udp, tcp, port } = await bindBoth(host);
  udp.on('message', (msg, rinfo) => {
    queryCount.udp++;
    const out = reply(msg, true);
    if (out) udp.send(out, rinfo.port, rinfo.address);
  });
  const sockets = new Set<net.Socket>();
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const msg = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        queryCount.tcp++;
        const out = reply(msg, false);
        if (!out) continue;
        const framed = Buffer.allocUnsafe(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        socket.write(framed);
      }
    });
  });

  return {
    host,
    port,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    setRecords(records) {
      zone = buildZone(records);
    },
    setFault(name, fault) {
      const k = name === '*' ? '*' : key(name);
      if (fault === null) faults.delete(k);
      else faults.set(k, fault);
    },
    queryCount,
    questions,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((done) => udp.close(() => done())),
        new Promise<void>((done) => tcp.close(() => done())),
      ]);
    },
  };
}

/** Binds a UDP socket on an ephemeral port and a TCP listener on the same port, retrying when TCP's is taken. */
async function bindBoth(host: string): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((done, fail) => {
      udp.once('error', fail);
      udp.bind(0, host, () => {
        udp.off('error', fail);
        done();
      });
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((done, fail) => {
        tcp.once('error', fail);
        tcp.listen(port, host, () => {
          tcp.off('error', fail);
          done();
        });
      });
      udp.on('error', () => undefined);
      return { udp, tcp, port };
    } catch (error) {
      lastError = error;
      udp.close();
    }
  }
  throw lastError instanceof Error ? lastError : new Error('could not bind UDP and TCP on one port');
}
