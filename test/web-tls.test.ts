import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { serveCommand } from '../src/commands/serve.js';
import { createLogger } from '../src/logger.js';
import { createFastify } from '../src/server/app.js';
import { WebConfigWatcher } from '../src/server/web-config-watch.js';

// Certificates are made by the openssl command line tool (tests only): a CA, two server certificates for
// localhost/127.0.0.1, a client certificate from the CA and one from an unrelated CA.
const OPENSSL_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = test
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
subjectAltName = DNS:scraper.example.com
extendedKeyUsage = clientAuth
`;

let dir: string;
const logs: string[] = [];
const logger = createLogger('debug', 'logfmt', (line) => logs.push(line));
const pem = (name: string): string => readFileSync(join(dir, name), 'utf8');

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(name: string): void {
  openssl('req', '-x509', '-config', 'openssl.cnf', '-extensions', 'ca', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`);
}

function makeLeaf(name: string, ca: string, serial: string, kind: 'server' | 'client'): void {
  openssl('req', '-new', '-config', 'openssl.cnf', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', serial,
    '-days', '2', '-out', `${name}.crt`, '-extfile', 'openssl.cnf', '-extensions', kind);
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string; serial: string }

/** One HTTPS GET over loopback on a fresh connection. */
function get(port: number, path: string, opts: { auth?: string; client?: 'client' | 'rogue'; maxVersion?: tls.SecureVersion } = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = https.request({
      host: '127.0.0.1', port, path, agent: false, ca: pem('ca.crt'), maxVersion: opts.maxVersion,
      ...(opts.client ? { cert: pem(`${opts.client}.crt`), key: pem(`${opts.client}.key`) } : {}),
      headers: opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {},
    }, (res) => {
      const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body, serial }));
    });
    req.on('error', fail);
    req.end();
  });
}

const apps: FastifyInstance[] = [];
const watchers: WebConfigWatcher[] = [];

/** Starts an app on the web config file, with /metrics and /-/healthy, on 127.0.0.1:0. */
async function serve(file: string): Promise<{ port: number; watcher: WebConfigWatcher }> {
  const watcher = await WebConfigWatcher.open(join(dir, file), logger);
  const app = createFastify(watcher);
  app.get('/metrics', async () => 'ptr_up 1\n');
  app.get('/-/healthy', async () => 'OK\n');
  await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  watchers.push(watcher);
  const address = app.server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, watcher };
}

const write = (file: string, text: string): void => writeFileSync(join(dir, file), text);
const ALICE = bcrypt.hashSync('alice-pw', 4);
const BOB = bcrypt.hashSync('bob-pw', 4);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ptr-web-tls-'));
  write('openssl.cnf', OPENSSL_CNF);
  makeCa('ca');
  makeCa('rogue-ca');
  makeLeaf('server1', 'ca', '0x1001', 'server');
  makeLeaf('server2', 'ca', '0x1002', 'server');
  makeLeaf('client', 'ca', '0x2001', 'client');
  makeLeaf('rogue', 'rogue-ca', '0x3001', 'client');
});

afterEach(async () => {
  for (const w of watchers.splice(0)) w.stop();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('TLS with client certificates', () => {
  it('accepts a client certificate from client_ca_file and refuses none, a foreign one, or TLS 1.2', async () => {
    // Relative names: resolved against the web config's folder, not the working directory.
    write('mtls.yml', 'tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS13\n');
    const { port } = await serve('mtls.yml');
    const ok = await get(port, '/metrics', { client: 'client' });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('ptr_up 1\n');
    expect(ok.serial).toBe('1001');
    await expect(get(port, '/metrics')).rejects.toThrow();
    await expect(get(port, '/metrics', { client: 'rogue' })).rejects.toThrow();
    await expect(get(port, '/metrics', { client: 'client', maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version|unsupported protocol/i);
  });

  it('lets VerifyClientCertIfGiven through without a certificate but not with a foreign one', async () => {
    write('optional.yml', 'tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n');
    const refused: string[] = [];
    const watcher = await WebConfigWatcher.open(join(dir, 'optional.yml'), logger);
    const app = createFastify(watcher, (reason) => refused.push(reason));
    apps.push(app);
    app.get('/metrics', async () => 'ptr_up 1\n');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    expect((await get(port, '/metrics')).status).toBe(200);
    expect((await get(port, '/metrics', { client: 'client' })).status).toBe(200);
    await expect(get(port, '/metrics', { client: 'rogue' })).rejects.toThrow();
    expect(refused).toEqual([expect.stringMatching(/^client certificate not trusted: /)]);
  });

  it('checks client_allowed_sans and follows changes to it without a restart', async () => {
    const base = 'tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n  client_auth_type: RequireAnyClientCert\n';
    write('sans.yml', `${base}  client_allowed_sans: [other.example.com]\n`);
    const { port, watcher } = await serve('sans.yml');
    await expect(get(port, '/metrics', { client: 'client' })).rejects.toThrow();
    await expect(get(port, '/metrics')).rejects.toThrow();
    write('sans.yml', `${base}  client_allowed_sans: [other.example.com, scraper.example.com]\n`);
    expect(await watcher.check()).toBe('applied');
    expect((await get(port, '/metrics', { client: 'client' })).status).toBe(200);
    // RequireAnyClientCert does not verify the issuer: a certificate from another CA with an allowed SAN passes.
    expect((await get(port, '/metrics', { client: 'rogue' })).status).toBe(200);
    write('sans.yml', 'tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n');
    expect(await watcher.check()).toBe('applied');
    expect((await get(port, '/metrics')).status).toBe(200);
  });
});

describe('basic auth, headers and live changes over HTTPS', () => {
  const config = (users: string, extra = '', cert = 'server1'): string => `tls_server_config:
  cert_file: ${cert}.crt
  key_file: ${cert}.key
http_server_config:
  headers:
    X-Content-Type-Options: nosniff
    X-Frame-Options: deny
basic_auth_users:
${users}${extra}`;

  it('asks for credentials, accepts the right ones and keeps /-/healthy closed unless excluded', async () => {
    write('auth.yml', config(`  alice: ${ALICE}\n`, 'auth_excluded_paths: [/-/healthy]\n'));
    const { port, watcher } = await serve('auth.yml');
    const none = await get(port, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic');
    expect(none.headers['x-content-type-options']).toBe('nosniff');
    expect(none.headers['x-frame-options']).toBe('deny');
    expect((await get(port, '/metrics', { auth: 'alice:wrong' })).status).toBe(401);
    expect((await get(port, '/metrics', { auth: 'bob:bob-pw' })).status).toBe(401);
    const ok = await get(port, '/metrics', { auth: 'alice:alice-pw' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-frame-options']).toBe('deny');
    expect((await get(port, '/-/healthy')).status).toBe(200);
    expect((await get(port, '/-/healthy?x=1')).status).toBe(200);

    write('auth.yml', config(`  alice: ${ALICE}\n  bob: ${BOB}\n`));
    expect(await watcher.check()).toBe('applied');
    expect((await get(port, '/metrics', { auth: 'bob:bob-pw' })).status).toBe(200);
    expect((await get(port, '/-/healthy')).status).toBe(401);
    expect(logs.some((l) => l.includes('web config reloaded') && l.includes('basic_auth_users=2'))).toBe(true);
  });

  it('serves a replaced certificate, whether the file names a new one or the file itself changes', async () => {
    copyFileSync(join(dir, 'server1.crt'), join(dir, 'live.crt'));
    copyFileSync(join(dir, 'server1.key'), join(dir, 'live.key'));
    write('cert.yml', config(`  alice: ${ALICE}\n`, '', 'live'));
    const { port, watcher } = await serve('cert.yml');
    const first = await get(port, '/metrics', { auth: 'alice:alice-pw' });
    expect(first.serial).toBe('1001');
    copyFileSync(join(dir, 'server2.crt'), join(dir, 'live.crt'));
    copyFileSync(join(dir, 'server2.key'), join(dir, 'live.key'));
    expect(await watcher.check()).toBe('applied');
    expect((await get(port, '/metrics', { auth: 'alice:alice-pw' })).serial).toBe('1002');
    write('cert.yml', config(`  alice: ${ALICE}\n`, '', 'server1'));
    expect(await watcher.check()).toBe('applied');
    expect((await get(port, '/metrics', { auth: 'alice:alice-pw' })).serial).toBe('1001');
  });

  it('keeps the running config when an edit is bad, and stays on HTTPS when TLS is removed', async () => {
    write('bad.yml', config(`  alice: ${ALICE}\n`));
    const { port, watcher } = await serve('bad.yml');
    write('bad.yml', `${config(`  alice: ${ALICE}\n  bob: ${BOB}\n`)}`.replace('key_file: server1.key', 'key_file: server1.key\n  min_version: TLS9'));
    expect(await watcher.check()).toBe('rejected');
    expect(watcher.error).toContain('tls_server_config.min_version: "TLS9" must be one of TLS10, TLS11, TLS12, TLS13');
    expect(logs.some((l) => l.includes('level=error') && l.includes('tls_server_config.min_version'))).toBe(true);
    expect((await get(port, '/metrics', { auth: 'alice:alice-pw' })).status).toBe(200);
    expect((await get(port, '/metrics', { auth: 'bob:bob-pw' })).status).toBe(401);

    write('bad.yml', config(`  alice: ${ALICE}\n`).replace('key_file: server1.key', 'key_file: server2.key'));
    expect(await watcher.check()).toBe('rejected');
    expect(watcher.error).toContain('tls_server_config.key_file: does not match the certificate in cert_file');
    expect((await get(port, '/metrics', { auth: 'alice:alice-pw' })).serial).toBe('1001');

    write('bad.yml', `basic_auth_users:\n  bob: ${BOB}\n`);
    expect(await watcher.check()).toBe('applied');
    expect(logs.some((l) => l.includes('switches between HTTP and HTTPS'))).toBe(true);
    const still = await get(port, '/metrics', { auth: 'bob:bob-pw' });
    expect(still.status).toBe(200);
    expect(still.serial).toBe('1001');
  });

  it('picks up a change by polling, once the file has settled', async () => {
    write('poll.yml', config(`  alice: ${ALICE}\n`));
    const { port, watcher } = await serve('poll.yml');
    watcher.start(20);
    write('poll.yml', config(`  alice: ${ALICE}\n  bob: ${BOB}\n`));
    while (!watcher.config.users.has('bob')) await new Promise((r) => setTimeout(r, 10));
    expect((await get(port, '/metrics', { auth: 'bob:bob-pw' })).status).toBe(200);
  });

  it('negotiates HTTP/2 by default and HTTP/1.1 only when http2 is false', async () => {
    const alpn = (port: number): Promise<string | false> => new Promise((done, fail) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: pem('ca.crt'), ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        done(socket.alpnProtocol ?? false);
        socket.destroy();
      });
      socket.on('error', fail);
    });
    write('h2.yml', config(`  alice: ${ALICE}\n`));
    expect(await alpn((await serve('h2.yml')).port)).toBe('h2');
    write('h1.yml', config(`  alice: ${ALICE}\n`).replace('http_server_config:\n', 'http_server_config:\n  http2: false\n'));
    expect(await alpn((await serve('h1.yml')).port)).not.toBe('h2');
  });
});

describe('plain HTTP with basic auth', () => {
  it('applies auth and headers without TLS', async () => {
    write('plain.yml', `http_server_config:\n  headers:\n    Content-Security-Policy: default-src 'none'\nbasic_auth_users:\n  alice: ${ALICE}\n`);
    const watcher = await WebConfigWatcher.open(join(dir, 'plain.yml'), logger);
    const app = createFastify(watcher);
    apps.push(app);
    app.get('/-/healthy', async () => 'OK\n');
    const denied = await app.inject('/-/healthy');
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['content-security-policy']).toBe("default-src 'none'");
    const ok = await app.inject({ url: '/-/healthy', headers: { authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}` } });
    expect(ok.statusCode).toBe(200);
  });
});

describe('a bad web config refuses to start', () => {
  const refusal = async (text: string): Promise<string> => {
    write('start.yml', text);
    const err = await WebConfigWatcher.open(join(dir, 'start.yml'), logger).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  };

  it('names the field', async () => {
    expect(await refusal('tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n  min_version: TLS9\n'))
      .toContain('tls_server_config.min_version: "TLS9" must be one of TLS10, TLS11, TLS12, TLS13');
    expect(await refusal('tls_server_config:\n  cert_file: missing.crt\n  key_file: server1.key\n'))
      .toMatch(/tls_server_config\.cert_file: cannot read ".*missing\.crt": ENOENT/);
    expect(await refusal('tls_server_config:\n  cert_file: server1.crt\n  key_file: server2.key\n'))
      .toContain('tls_server_config.key_file: does not match the certificate in cert_file');
    expect(await refusal('tls_server_config:\n  cert_file: openssl.cnf\n  key_file: server1.key\n'))
      .toContain('tls_server_config.cert_file: holds no PEM certificate');
    expect(await refusal('tls_server_config:\n  cert_file: server1.crt\n  key_file: server1.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: openssl.cnf\n'))
      .toContain('tls_server_config.client_ca_file: holds no PEM certificate');
    write('main.yml', 'discover: { interfaces: false, egress: false }\nlogs: []\nweb: { listen_address: "127.0.0.1:0" }\n');
    write('start.yml', 'basic_auth_users:\n  alice: not-a-hash\n');
    const serving = serveCommand({ configFile: join(dir, 'main.yml'), overrides: { webConfigFile: join(dir, 'start.yml') }, logger });
    await expect(serving).rejects.toThrow(ConfigError);
    await expect(serving).rejects.toThrow(/basic_auth_users\.alice: is not a bcrypt hash/);
    const missing = await WebConfigWatcher.open(join(dir, 'nope.yml'), logger).then(() => '', (e: Error) => e.message);
    expect(missing).toMatch(/nope\.yml: cannot read: ENOENT/);
  });
});
