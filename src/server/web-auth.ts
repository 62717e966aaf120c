import { createHash } from 'node:crypto';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { normalizeIp } from '../targets/address.js';
import type { TlsServerSettings, WebConfig } from './web-config.js';

/** A bcrypt hash (cost 10) of a random string: unknown users are checked against it so that timing does not tell them apart. */
const DUMMY_HASH = '$2b$10$coHwusl5.p88nQiNUzUILe4TvcXXTMBGNuohalB59FO6uaN4oiTM2';
const MAX_CACHED = 1024;

/** User and password from an `Authorization: Basic` header, or null. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const m = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks basic auth against bcrypt hashes. A successful check is remembered (user, hash and sha256 of the
 * password), so a scraper pays for bcrypt once; failures are not remembered. A changed hash misses the cache.
 */
export class BasicAuthVerifier {
  private readonly ok = new Set<string>();

  /** Successful checks remembered. */
  get cached(): number {
    return this.ok.size;
  }

  /** True when the header names a user of `users` with the right password. */
  async verify(users: ReadonlyMap<string, string>, header: string | undefined): Promise<boolean> {
    const creds = parseBasicAuth(header);
    if (creds === null) return false;
    const hash = users.get(creds.user);
    const key = `${creds.user}\0${hash ?? ''}\0${createHash('sha256').update(creds.password).digest('hex')}`;
    if (hash !== undefined && this.ok.has(key)) return true;
    const match = await bcrypt.compare(creds.password, hash ?? DUMMY_HASH);
    if (!match || hash === undefined) return false;
    if (this.ok.size >= MAX_CACHED) this.ok.clear();
    this.ok.add(key);
    return true;
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
 * `WWW-Authenticate: Basic`, except for auth_excluded_paths) and, on a TLS server, the client certificate policy.
 */
export function registerWebAuth(app: FastifyInstance, current: () => WebConfig, onRefused: (reason: string) => void = () => {}): void {
  const verifier = new BasicAuthVerifier();
  app.addHook('onRequest', async (request, reply) => {
    const web = current();
    for (const [name, value] of Object.entries(web.headers)) reply.header(name, value);
    if (web.users.size === 0) return;
    const path = request.url.split('?', 1)[0]!;
    if (web.authExcludedPaths.includes(path)) return;
    if (await verifier.verify(web.users, request.headers.authorization)) return;
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
