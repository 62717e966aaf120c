import dgram from 'node:dgram';
import packet from 'dns-packet';
import { afterEach, describe, expect, test } from 'vitest';
import { DnsClient, DnsQueryError } from '../src/probe/dns-client.js';

/** A UDP server on loopback that hands every query to `answer`, which sends what it likes (or nothing). */
async function fakeServer(answer: (query: packet.DecodedPacket, send: (reply: Buffer) => void) => void): Promise<{ port: number; received: packet.DecodedPacket[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const received: packet.DecodedPacket[] = [];
  socket.on('message', (message, from) => {
    const query = packet.decode(message);
    received.push(query);
    answer(query, (reply) => socket.send(reply, from.port, from.address));
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  servers.push(socket);
  return { port: socket.address().port, received, close: () => socket.close() };
}

const servers: dgram.Socket[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A reply to query with one A record per address. */
function aReply(query: packet.DecodedPacket, addresses: string[], id = query.id, name = query.questions![0]!.name): Buffer {
  return packet.encode({
    id, type: 'response', flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
    questions: [{ name, type: 'A', class: 'IN' }],
    answers: addresses.map((data) => ({ name, type: 'A' as const, class: 'IN' as const, ttl: 60, data })),
  });
}

const codeOf = (promise: Promise<unknown>): Promise<string> => promise.then(() => 'resolved', (e: unknown) => (e instanceof DnsQueryError ? e.code : String(e)));

describe('DnsClient', () => {
  test('a try that times out on the first server goes to the next one', async () => {
    const silent = await fakeServer(() => {});
    const answering = await fakeServer((q, send) => send(aReply(q, ['192.0.2.25'])));
    const client = new DnsClient([{ host: '127.0.0.1', port: silent.port }, { host: '127.0.0.1', port: answering.port }], 150, 1);
    expect(await client.query('mx.example.com', 'A')).toEqual(['192.0.2.25']);
    expect(silent.received).toHaveLength(1);
    expect(answering.received.map((q) => q.questions)).toEqual([[{ name: 'mx.example.com', type: 'A', class: 'IN' }]]);
  });

  test('every try of every round times out: ETIMEOUT after attempts x servers tries, each with a fresh id', async () => {
    const a = await fakeServer(() => {});
    const b = await fakeServer(() => {});
    const client = new DnsClient([{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }], 100, 2);
    const started = performance.now();
    expect(await codeOf(client.query('mx.example.com', 'A'))).toBe('ETIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 100 - 5);
    expect([a.received.length, b.received.length]).toEqual([2, 2]);
    expect(new Set([...a.received, ...b.received].map((q) => q.id)).size).toBe(4);
  });

  test('ignores datagrams that are not the reply: another id, another question; then takes the reply', async () => {
    const server = await fakeServer((q, send) => {
      send(aReply(q, ['198.51.100.1'], ((q.id ?? 0) + 1) & 0xffff));
      send(aReply(q, ['198.51.100.2'], q.id, 'other.example.com'));
      send(Buffer.from('not dns'));
      setTimeout(() => send(aReply(q, ['198.51.100.3'])), 20);
    });
    const client = new DnsClient([{ host: '127.0.0.1', port: server.port }], 1000, 1);
    expect(await client.query('mx.example.com', 'A')).toEqual(['198.51.100.3']);
  });

  test('many queries of one turn are all answered, each under its own id', async () => {
    const server = await fakeServer((q, send) => send(aReply(q, [`192.0.2.${q.questions![0]!.name.split('.')[0]}`])));
    const client = new DnsClient([{ host: '127.0.0.1', port: server.port }], 1000, 1);
    const names = Array.from({ length: 200 }, (_, i) => `${i % 250}.example.com`);
    const answers = await Promise.all(names.map((n) => client.query(n, 'A')));
    expect(answers).toEqual(names.map((n) => [`192.0.2.${n.split('.')[0]}`]));
    expect(new Set(server.received.map((q) => q.id)).size).toBe(200);
  });

  test('cancel() ends the queries in flight with ECANCELLED at once; later queries use a new socket', async () => {
    let answer = false;
    const server = await fakeServer((q, send) => {
      if (answer) send(aReply(q, ['192.0.2.7']));
    });
    const client = new DnsClient([{ host: '127.0.0.1', port: server.port }], 5000, 1);
    const pending = codeOf(client.query('mx.example.com', 'A'));
    await new Promise((done) => setTimeout(done, 20));
    const started = performance.now();
    client.cancel();
    expect(await pending).toBe('ECANCELLED');
    expect(performance.now() - started).toBeLessThan(1000);
    answer = true;
    expect(await client.query('mx.example.com', 'A')).toEqual(['192.0.2.7']);
  });

  test('a name c-ares would refuse is EBADNAME and no servers is ECONNREFUSED, both without a query', async () => {
    const server = await fakeServer(() => {});
    const client = new DnsClient([{ host: '127.0.0.1', port: server.port }], 1000, 1);
    expect(await codeOf(client.query('bad name.example.com', 'A'))).toBe('EBADNAME');
    const error = await client.query('semi\\;colon.example.com', 'AAAA').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DnsQueryError);
    expect((error as Error).message).toBe('queryAaaa EBADNAME semi\\;colon.example.com');
    expect(await codeOf(new DnsClient([], 1000, 1).query('mx.example.com', 'A'))).toBe('ECONNREFUSED');
    expect(server.received).toHaveLength(0);
  });
});
