import packet from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { encodeQuery, isBadQueryName, readName, readReply } from '../src/probe/dns-message.js';

/** A name in wire form from raw labels, so that labels may hold dots, spaces or any byte. */
function wireName(labels: (string | number[])[]): Buffer {
  return Buffer.concat([...labels.map((l) => {
    const bytes = typeof l === 'string' ? Buffer.from(l, 'latin1') : Buffer.from(l);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  }), Buffer.from([0])]);
}

/** A reply to (id, question) written by hand: header, the question, then the answers' bytes as given. */
function reply(id: number, flags: number, question: Buffer, qtype: number, answers: Buffer[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(qtype, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([header, question, q, ...answers]);
}

/** One resource record: owner (wire bytes, a pointer allowed), type, class IN, TTL 60, data. */
function rr(owner: Buffer, type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(60, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([owner, fixed, data]);
}

const POINTER_TO_QUESTION = Buffer.from([0xc0, 12]);
const RESPONSE = 0x8180; // QR, RD, RA, NOERROR

describe('encodeQuery', () => {
  test('writes what dns-packet reads as one question with recursion desired and an EDNS0 OPT record of 1232 octets', () => {
    const decoded = packet.decode(encodeQuery(0xbeef, '25.100.51.198.in-addr.arpa.', 'PTR'));
    expect(decoded).toMatchObject({ id: 0xbeef, type: 'query', flag_rd: true, questions: [{ name: '25.100.51.198.in-addr.arpa', type: 'PTR', class: 'IN' }] });
    expect(decoded.answers).toEqual([]);
    expect(decoded.additionals).toMatchObject([{ type: 'OPT', name: '.', udpPayloadSize: 1232 }]);
    expect(packet.decode(encodeQuery(1, 'mx.example.com', 'AAAA')).questions).toEqual([{ name: 'mx.example.com', type: 'AAAA', class: 'IN' }]);
    expect(packet.decode(encodeQuery(2, 'a', 'A')).questions).toEqual([{ name: 'a', type: 'A', class: 'IN' }]);
  });
});

describe('isBadQueryName', () => {
  test('accepts the names c-ares sends, with or without the trailing dot', () => {
    for (const name of ['mx.example.com', 'mx.example.com.', '_dmarc.example.com', 'a', `${'a'.repeat(63)}.example.com`, `${'a.'.repeat(126)}b`]) {
      expect(isBadQueryName(name), name).toBe(false);
    }
  });

  test('refuses empty labels, labels over 63 octets, names over 253 characters and characters outside the host-name set', () => {
    for (const name of ['', '.', 'a..b', '.a', `${'a'.repeat(64)}.example.com`, `${'a.'.repeat(127)}b`, 'bad name.example.com', 'semi\\;colon.example.com', 'ümlaut.example']) {
      expect(isBadQueryName(name), name).toBe(true);
    }
  });
});

describe('readName', () => {
  test('escapes as c-ares presents names: . " ( ) ; \\ @ $ with a backslash, other bytes outside printable ASCII as \\DDD', () => {
    const name = wireName(['a.b', 'semi;colon', 'bad name', [0xff, 0x41, 0x09], '"q"', 'example', 'com']);
    expect(readName(name, 0)).toEqual({ name: 'a\\.b.semi\\;colon.bad name.\\255A\\009.\\"q\\".example.com', end: name.length });
    expect(readName(Buffer.from([0]), 0)).toEqual({ name: '', end: 1 });
  });

  test('follows pointers backwards only and refuses names that run past the message or over 255 octets', () => {
    const base = wireName(['mx', 'example', 'com']);
    const compressed = Buffer.concat([base, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0])]);
    expect(readName(compressed, base.length)).toEqual({ name: 'www.mx.example.com', end: compressed.length });
    expect(readName(Buffer.from([0xc0, 0]), 0)).toBeNull(); // points at itself
    expect(readName(Buffer.concat([Buffer.from([0xc0, 2]), base]), 0)).toBeNull(); // points forwards
    expect(readName(Buffer.from([5, 0x61, 0x62]), 0)).toBeNull();
    expect(readName(Buffer.from([0x41, 0x61]), 0)).toBeNull(); // 65-octet label
    const long = wireName(Array.from({ length: 5 }, () => 'a'.repeat(60)));
    expect(readName(long, 0)).toBeNull();
  });
});

describe('readReply', () => {
  const ptrQuestion = wireName(['25', '100', '51', '198', 'in-addr', 'arpa']);
  const ptrName = '25.100.51.198.in-addr.arpa';

  test('reads A, AAAA and PTR answers whose owner points at the question', () => {
    const a = reply(7, RESPONSE, wireName(['mx', 'example', 'com']), 1, [rr(POINTER_TO_QUESTION, 1, Buffer.from([198, 51, 100, 25])), rr(POINTER_TO_QUESTION, 1, Buffer.from([192, 0, 2, 1]))]);
    expect(readReply(a, 7, 'mx.example.com', 'A')).toEqual({ values: ['198.51.100.25', '192.0.2.1'] });
    const aaaa = reply(8, RESPONSE, wireName(['mx', 'example', 'com']), 28, [rr(POINTER_TO_QUESTION, 28, Buffer.from('20010db8000000000000000000000025', 'hex'))]);
    expect(readReply(aaaa, 8, 'MX.example.com.', 'AAAA')).toEqual({ values: ['2001:db8::25'] });
    const ptr = reply(9, RESPONSE, ptrQuestion, 12, [rr(POINTER_TO_QUESTION, 12, wireName(['semi;colon', 'example', 'com']))]);
    expect(readReply(ptr, 9, ptrName, 'PTR')).toEqual({ values: ['semi\\;colon.example.com'] });
  });

  test('reads what dns-packet writes (no compression), the question in another case', () => {
    const message = packet.encode({
      id: 3, type: 'response', flags: packet.RECURSION_DESIRED,
      questions: [{ name: '25.100.51.198.IN-ADDR.ARPA', type: 'PTR', class: 'IN' }],
      answers: [{ name: '25.100.51.198.in-addr.arpa', type: 'PTR', class: 'IN', ttl: 60, data: 'mx1.example.com' }, { name: '25.100.51.198.in-addr.arpa', type: 'PTR', class: 'IN', ttl: 60, data: 'mx2.example.com' }],
    });
    expect(readReply(message, 3, ptrName, 'PTR')).toEqual({ values: ['mx1.example.com', 'mx2.example.com'] });
  });

  test('follows a CNAME chain from the name asked for (RFC 2317 classless delegation) and ignores records of other owners', () => {
    const delegated = wireName(['25', '0-63', '100', '51', '198', 'in-addr', 'arpa']);
    const message = reply(4, RESPONSE, ptrQuestion, 12, [
      rr(wireName(['other', 'example']), 12, wireName(['not', 'mine'])),
      rr(POINTER_TO_QUESTION, 5, delegated),
      rr(delegated, 12, wireName(['mx', 'example', 'com'])),
    ]);
    expect(readReply(message, 4, ptrName, 'PTR')).toEqual({ values: ['mx.example.com'] });
    const stray = reply(5, RESPONSE, ptrQuestion, 12, [rr(wireName(['other', 'example']), 12, wireName(['not', 'mine']))]);
    expect(readReply(stray, 5, ptrName, 'PTR')).toEqual({ code: 'ENODATA' });
  });

  test('gives the reply codes as c-ares error codes and a truncated reply as truncated', () => {
    const withFlags = (flags: number): Buffer => reply(6, flags, ptrQuestion, 12, []);
    expect(readReply(withFlags(RESPONSE), 6, ptrName, 'PTR')).toEqual({ code: 'ENODATA' });
    expect(readReply(withFlags(RESPONSE | 3), 6, ptrName, 'PTR')).toEqual({ code: 'ENOTFOUND' });
    expect(readReply(withFlags(RESPONSE | 2), 6, ptrName, 'PTR')).toEqual({ code: 'ESERVFAIL' });
    expect(readReply(withFlags(RESPONSE | 5), 6, ptrName, 'PTR')).toEqual({ code: 'EREFUSED' });
    expect(readReply(withFlags(RESPONSE | 1), 6, ptrName, 'PTR')).toEqual({ code: 'EFORMERR' });
    expect(readReply(withFlags(RESPONSE | 4), 6, ptrName, 'PTR')).toEqual({ code: 'ENOTIMP' });
    expect(readReply(withFlags(RESPONSE | 9), 6, ptrName, 'PTR')).toEqual({ code: 'EBADRESP' });
    expect(readReply(withFlags(RESPONSE | 0x0200), 6, ptrName, 'PTR')).toEqual({ truncated: true });
  });

  test('ignores what is not a reply to this query: another id, another question or type, a query, a short datagram', () => {
    const good = reply(10, RESPONSE, ptrQuestion, 12, [rr(POINTER_TO_QUESTION, 12, wireName(['mx', 'example', 'com']))]);
    expect(readReply(good, 11, ptrName, 'PTR')).toBeNull();
    expect(readReply(good, 10, '26.100.51.198.in-addr.arpa', 'PTR')).toBeNull();
    expect(readReply(good, 10, ptrName, 'A')).toBeNull();
    expect(readReply(reply(10, 0x0100, ptrQuestion, 12, []), 10, ptrName, 'PTR')).toBeNull();
    expect(readReply(good.subarray(0, 11), 10, ptrName, 'PTR')).toBeNull();
    expect(readReply(good.subarray(0, 14), 10, ptrName, 'PTR')).toBeNull();
  });

  test('a reply to this query whose answers cannot be read is EBADRESP', () => {
    const good = reply(12, RESPONSE, ptrQuestion, 12, [rr(POINTER_TO_QUESTION, 12, wireName(['mx', 'example', 'com']))]);
    expect(readReply(good.subarray(0, good.length - 3), 12, ptrName, 'PTR')).toEqual({ code: 'EBADRESP' });
    const shortA = reply(13, RESPONSE, wireName(['mx', 'example', 'com']), 1, [rr(POINTER_TO_QUESTION, 1, Buffer.from([198, 51, 100]))]);
    expect(readReply(shortA, 13, 'mx.example.com', 'A')).toEqual({ code: 'EBADRESP' });
    const loop = reply(14, RESPONSE, ptrQuestion, 12, [rr(POINTER_TO_QUESTION, 12, Buffer.from([0xc0, 0xff]))]);
    expect(readReply(loop, 14, ptrName, 'PTR')).toEqual({ code: 'EBADRESP' });
  });
});
