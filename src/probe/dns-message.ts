import { normalizeHostname } from '../targets/hostname.js';
import { formatIpv6 } from '../targets/ipv6-text.js';

/** The record types the FCrDNS lookups ask for. */
export type QueryType = 'PTR' | 'A' | 'AAAA';

/** What a reply says about a query: its values, a truncated reply to ask again over TCP, or Node's error code. */
export type ReplyMeaning = { values: string[] } | { truncated: true } | { code: string };

/** RR type numbers (RFC 1035 section 3.2.2, RFC 3596 for AAAA). */
const TYPE_CODE: Record<QueryType, number> = { A: 1, PTR: 12, AAAA: 28 };
const CNAME = 5;
const OPT = 41;
const CLASS_IN = 1;
/** EDNS0 UDP payload size offered in queries (RFC 6891; 1232 as DNS Flag Day 2020 and c-ares use). */
const EDNS_PAYLOAD = 1232;
/** Header flags (RFC 1035 section 4.1.1). */
const QR = 0x8000;
const TC = 0x0200;
const RD = 0x0100;

/** Node's error codes (c-ares') for reply codes 1 to 5 (RFC 1035 section 4.1.1); any other is EBADRESP. */
const RCODE_ERRORS = ['', 'EFORMERR', 'ESERVFAIL', 'ENOTFOUND', 'ENOTIMP', 'EREFUSED'];

/**
 * A query name c-ares sends: labels of 1 to 63 of the characters it allows (ares_is_hostnamech: letters, digits
 * and - _ / *) joined by dots, with an optional trailing dot. A label holds no dot, so the match is linear.
 */
const QUERY_NAME = /^(?:[A-Za-z0-9_/*-]{1,63}\.)*[A-Za-z0-9_/*-]{1,63}\.?$/;

/**
 * True when c-ares would refuse to send a query for name (EBADNAME): a character outside its host-name set (a
 * space, or any escape such as the "\;" c-ares writes for ";" in PTR data), an empty label, a label over 63 octets
 * or a name over 253 characters (RFC 1035 section 2.3.4).
 */
export function isBadQueryName(name: string): boolean {
  return name.length - (name.endsWith('.') ? 1 : 0) > 253 || !QUERY_NAME.test(name);
}

/**
 * A query for name (one isBadQueryName accepts, so ASCII) and type: recursion desired, one question, an EDNS0
 * OPT record (RFC 1035 section 4.1, RFC 6891 section 6.1.2). The name is copied as Latin-1 and each dot replaced
 * by the length of the label after it; a zero length byte ends it.
 */
export function encodeQuery(id: number, name: string, type: QueryType): Buffer {
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  const query = Buffer.allocUnsafe(12 + text.length + 2 + 4 + 11);
  query.writeUInt16BE(id, 0);
  query.writeUInt16BE(RD, 2);
  query.writeUInt32BE(0x00010000, 4); // one question, no answer
  query.writeUInt32BE(0x00000001, 8); // no authority, one additional (OPT)
  query.write(text, 13, 'latin1');
  let lengthAt = 12;
  for (let i = 13; i <= 13 + text.length; i++) {
    if (i === 13 + text.length || query[i] === 0x2e) {
      query[lengthAt] = i - lengthAt - 1;
      lengthAt = i;
    }
  }
  let at = 13 + text.length;
  query[at++] = 0;
  at = query.writeUInt16BE(TYPE_CODE[type], at);
  at = query.writeUInt16BE(CLASS_IN, at);
  query[at++] = 0; // OPT: the root name
  at = query.writeUInt16BE(OPT, at);
  at = query.writeUInt16BE(EDNS_PAYLOAD, at);
  query.fill(0, at, at + 6); // extended rcode, version, flags, no options
  return query;
}

/** Whether two names are the same name (RFC 4343); most replies repeat the name exactly, which needs no copy. */
const sameName = (a: string, b: string): boolean => a === b || normalizeHostname(a) === normalizeHostname(b);

/** Where names are written while they are read: a name is at most 255 octets, 4 characters each when escaped. */
const scratch = Buffer.allocUnsafe(1024);
/** Bytes a name shows with a backslash before them, as c-ares presents names: . " ( ) ; \ @ $ */
const SPECIAL = new Set([0x2e, 0x22, 0x28, 0x29, 0x3b, 0x5c, 0x40, 0x24]);

/**
 * Reads the (possibly compressed, RFC 1035 section 4.1.4) name at offset in presentation form, as c-ares writes
 * it: labels joined by dots, the bytes . " ( ) ; \ @ $ escaped with a backslash, bytes outside printable ASCII as
 * \DDD; the root is "". Returns the name and the offset after it, or null when the name runs past the message,
 * is longer than 255 octets or its pointers do not lead strictly backwards.
 */
export function readName(message: Buffer, offset: number): { name: string; end: number } | null {
  let at = offset;
  let end = -1;
  let length = 0;
  let written = 0;
  let limit = offset;
  for (;;) {
    if (at >= message.length) return null;
    const size = message[at]!;
    if (size === 0) break;
    if (size >= 0xc0) {
      if (at + 1 >= message.length) return null;
      const target = ((size & 0x3f) << 8) | message[at + 1]!;
      if (end < 0) end = at + 2;
      if (target >= limit) return null;
      limit = target;
      at = target;
      continue;
    }
    if (size > 63 || at + 1 + size > message.length) return null;
    length += size + 1;
    if (length > 255) return null;
    if (written > 0) scratch[written++] = 0x2e;
    for (let i = at + 1; i <= at + size; i++) {
      const byte = message[i]!;
      if (byte < 0x20 || byte > 0x7e) {
        scratch[written++] = 0x5c;
        scratch[written++] = 0x30 + Math.floor(byte / 100);
        scratch[written++] = 0x30 + Math.floor(byte / 10) % 10;
        scratch[written++] = 0x30 + byte % 10;
      } else {
        if (SPECIAL.has(byte)) scratch[written++] = 0x5c;
        scratch[written++] = byte;
      }
    }
    at += 1 + size;
  }
  return { name: scratch.toString('latin1', 0, written), end: end < 0 ? at + 1 : end };
}

const BAD_REPLY: ReplyMeaning = { code: 'EBADRESP' };

/** The text of an A (4 octets) or AAAA (16 octets) record's data; null for another length. */
function addressText(message: Buffer, at: number, length: number): string | null {
  if (length === 4) return `${message[at]}.${message[at + 1]}.${message[at + 2]}.${message[at + 3]}`;
  if (length !== 16) return null;
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = message.readUInt16BE(at + 2 * i);
  return formatIpv6(groups);
}

/**
 * Reads a reply to the query (id, name, type); null when it is not one (another id, another question, a query,
 * or too short to tell), so that a stray or forged datagram is ignored; EBADRESP when it is one but its answers
 * cannot be read. The values follow CNAMEs whose
 * owner is the name asked for (RFC 1034 section 3.6.2), as c-ares does: A/AAAA as text, PTR names in c-ares'
 * presentation form. NOERROR without such values is ENODATA.
 */
export function readReply(message: Buffer, id: number, name: string, type: QueryType): ReplyMeaning | null {
  if (message.length < 12 || message.readUInt16BE(0) !== id) return null;
  const flags = message.readUInt16BE(2);
  if ((flags & QR) === 0 || message.readUInt16BE(4) !== 1) return null;
  const question = readName(message, 12);
  if (!question || question.end + 4 > message.length) return null;
  if (message.readUInt16BE(question.end) !== TYPE_CODE[type] || !sameName(question.name, name)) return null;
  if ((flags & TC) !== 0) return { truncated: true };
  const rcode = flags & 0x000f;
  if (rcode !== 0) return { code: RCODE_ERRORS[rcode] ?? 'EBADRESP' };
  const answers = message.readUInt16BE(6);
  const wanted = TYPE_CODE[type];
  let owner = question.name;
  let at = question.end + 4;
  const values: string[] = [];
  for (let i = 0; i < answers; i++) {
    // Most answers name the question through a pointer to it (offset 12): its name is known already.
    const named = message[at] === 0xc0 && message[at + 1] === 12 ? { name: question.name, end: at + 2 } : readName(message, at);
    if (!named || named.end + 10 > message.length) return BAD_REPLY;
    const rrType = message.readUInt16BE(named.end);
    const length = message.readUInt16BE(named.end + 8);
    const data = named.end + 10;
    if (data + length > message.length) return BAD_REPLY;
    at = data + length;
    if (!sameName(named.name, owner)) continue;
    if (rrType === CNAME || (rrType === wanted && type === 'PTR')) {
      const target = readName(message, data);
      if (!target) return BAD_REPLY;
      if (rrType === CNAME) owner = target.name;
      else values.push(target.name);
    } else if (rrType === wanted) {
      const address = addressText(message, data, length);
      if (address === null) return BAD_REPLY;
      values.push(address);
    }
  }
  return values.length > 0 ? { values } : { code: 'ENODATA' };
}
