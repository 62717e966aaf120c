import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { normalizeIp } from '../targets/address.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import type { TlsServerSettings, WebConfig } from './web-config.js';

/** Successful checks remembered at most. */
const MAX_CACHED = 1024;
/** bcrypt checks running at once: bcryptjs's async API yields to the event loop every 100 ms of work, one check at a time keeps that the longest stall. */
export const MAX_BCRYPT_IN_FLIGHT = 1;
/** bcrypt checks waiting for their turn; more are answered 429 at once. */
export const MAX_BCRYPT_QUEUED = 4;
/** Longest wait for a turn before the answer is 429. */
const MAX_BCRYPT_WAIT_MS = 5000;
/** The cost of the dummy hash when no user is configured (htpasswd -B's default). */
const DEFAULT_COST = 10;

/** What a basic auth check found: a known user with the right password, anything else, or no bcrypt slot free. */
export type AuthOutcome = 'ok' | 'denied' | 'busy';

/** User and password from an `Authorization: Basic` header, or null. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The highest bcrypt cost among the users' hashes (DEFAULT_COST when there is none): unknown users are checked at that cost. */
export function dummyCost(users: ReadonlyMap<string, string>): number {
  let cost = 0;
  for (const hash of users.values()) cost = Math.max(cost, bcrypt.getRounds(hash));
  return cost > 0 ? cost : DEFAULT_COST;
}

/**
 * Checks basic auth against bcrypt hashes, off the request path's critical section: bcrypt runs through
 * bcryptjs's async API, one check at a time (MAX_BCRYPT_IN_FLIGHT) with a short queue; beyond it the answer
 * is 'busy'. A successful check is remembered (user, hash and sha256 of the password), so a scraper pays for
 * bcrypt once; failures are not remembered, a changed hash misses the cache. An unknown user is compared with a
 * dummy hash of the configured cost, so the time taken does not tell which user names exist.
 */
export class BasicAuthVerifier {
  private readonly ok = new Set<string>();
  private readonly dummies = new Map<number, Promise<string>>();
  readonly gate: ConcurrencyGate;
  private readonly compare: (password: string, hash: string) => Promise<boolean>;

  constructor(opts: { gate?: ConcurrencyGate; compare?: (password: string, hash: string) => Promise<boolean> } = {}) {
    this.gate = opts.gate ?? new ConcurrencyGate(MAX_BCRYPT_IN_FLIGHT, MAX_BCRYPT_QUEUED);
    this.compare = opts.compare ?? ((password, hash) => bcrypt.compare(password, hash));
  }

  /** Successful checks remembered. */
  get cached(): number {
    return this.ok.size;
  }

  /** A bcrypt hash of a random password at this cost, made once. */
  dummyHash(cost: number): Promise<string> {
    let hash = this.dummies.get(cost);
    if (!hash) this.dummies.set(cost, (hash = bcrypt.hash(randomBytes(18).toString('base64'), cost)));
    return hash;
  }

  /** Checks the header against `users`. */
  async check(users: ReadonlyMap<string, string>, header: string | undefined): Promise<AuthOutcome> {
    const creds = parseBasicAuth(header);
    if (creds === null) return 'denied';
    const hash = users.get(creds.user);
    const key = `${creds.user}\0${hash ?? ''}\0${createHash('sha256').update(creds.password).digest('hex')}`;
    if (hash !== undefined && this.ok.has(key)) return 'ok';
    const release = await this.gate.acquire(MAX_BCRYPT_WAIT_MS);
    if (release === null) return 'busy';
    try {
      const match = await this.compare(creds.password, hash ?? await this.dummyHash(dummyCost(users)));
      if (!match || hash === undefined) return 'denied';
    } finally {
      release();
    }
    if (this.ok.size >= MAX_CACHED) this.ok.clear();
    this.ok.add(key);
    return 'ok';
  }
}

/** SAN values of a certificate as exporter-toolkit compares them: DNS names, e-mail addresses, IPs (compressed) and URIs. */
export function subjectAltNames(subjectAltName: string | undefined): string[] {
  const out: string[] = [];
  const re = /(DNS|IP Address|email|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of (subjectAltName ?? '').matchAll(re)) {
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    if (m[1] === 'IP Address') out.push(normalizeIp(value)?.ip ?? value);
    else if (m[1] === 'DNS' || m[1] === 'email' || m[1] === 'URI') out.push(value);
  }
  return out;
}

/** Why a new TLS connection must be closed under the client_auth_type policy, or null when it may stay. */
export function clientCertRefusal(socket: tls.TLSSocket, settings: TlsServerSettings): string | null {
  const mode = settings.clientAuth;
  if (mode === 'NoClientCert' || mode === 'RequestClientCert') return null;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return mode === 'VerifyClientCertIfGiven' ? null : 'no client certificate';
  if ((mode === 'VerifyClientCertIfGiven' || mode === 'RequireAndVerifyClientCert') && !socket.authorized) {
    return `client certificate not trusted: ${String(socket.authorizationError)}`;
  }
  if (settings.clientAllowedSans !== null) {
    const allowed = new Set(settings.clientAllowedSans.map((s) => normalizeIp(s)?.ip ?? s));
    if (!subjectAltNames(cert.subjectAltName).some((s) => allowed.has(s))) return 'client certificate has no SAN listed in client_allowed_sans';
  }
  return null;
}

/**
 * Applies the live web config to every request and connection: response headers, basic auth (401 with
 * `WWW-Authenticate: Basic`, except for auth_excluded_paths; 429 while too many bcrypt checks wait) and, on a TLS
 * server, the client certificate policy.
 */
export function registerWebAuth(app: FastifyInstance, current: () => WebConfig, onRefused: (reason: string) => void = () => {}, verifier = new BasicAuthVerifier()): void {
  if (current().users.size > 0) void verifier.dummyHash(dummyCost(current().users));
  app.addHook('onRequest', async (request, reply) => {
    const web = current();
    for (const [name, value] of Object.entries(web.headers)) reply.header(name, value);
    if (web.users.size === 0) return;
    const path = request.url.split('?', 1)[0]!;
    if (web.authExcludedPaths.includes(path)) return;
    const outcome = await verifier.check(web.users, request.headers.authorization);
    if (outcome === 'ok') return;
    if (outcome === 'busy') {
      return reply.code(429).header('Retry-After', '1').type('text/plain; charset=utf-8').send('Too many password checks in progress; retry later\n');
    }
    return reply.code(401).header('WWW-Authenticate', 'Basic').type('text/plain; charset=utf-8').send('Unauthorized\n');
  });
  if (app.server instanceof tls.Server) {
    app.server.on('secureConnection', (socket: tls.TLSSocket) => {
      const settings = current().tls;
      const reason = settings === null ? null : clientCertRefusal(socket, settings);
      if (reason === null) return;
      onRefused(reason);
      socket.destroy();
    });
  }
}
