import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/errors.js';
import { BasicAuthVerifier, parseBasicAuth, subjectAltNames } from '../src/server/web-auth.js';
import { parseWebConfig } from '../src/server/web-config.js';

const BASE = resolve('/etc/ptr-exporter');
const HASH = bcrypt.hashSync('s3cret', 4);

/** The problems of a web config that must be refused. */
function problems(yaml: string): string[] {
  try {
    parseWebConfig(yaml, 'web.yml', BASE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the web config was accepted');
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseWebConfig', () => {
  it('gives plain HTTP without auth for an empty file or empty sections', () => {
    for (const text of ['', '# nothing\r\n', 'tls_server_config: {}\n', 'tls_server_config:\nhttp_server_config:\nbasic_auth_users:\n']) {
      const c = parseWebConfig(text, 'web.yml', BASE);
      expect(c.tls).toBeNull();
      expect(c.http2).toBe(true);
      expect(c.users.size).toBe(0);
      expect(c.headers).toEqual({});
      expect(c.authExcludedPaths).toEqual([]);
    }
  });

  it('reads TLS, users, headers and excluded paths, resolving files against the web config folder', () => {
    const c = parseWebConfig(`
tls_server_config:
  cert_file: certs/server.crt
  key_file: ${JSON.stringify(resolve('/keys/server.key'))}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [scraper.example.com]
  min_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
http_server_config:
  http2: false
  headers:
    x-frame-options: deny
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: ${HASH}
auth_excluded_paths: [/-/healthy]
`, 'web.yml', BASE);
    expect(c.tls).toEqual({
      cert: { file: resolve(BASE, 'certs/server.crt') },
      key: { file: resolve('/keys/server.key') },
      clientCa: { file: resolve(BASE, 'ca.crt') },
      clientAuth: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256',
      ecdhCurve: 'X25519:P-256',
      honorCipherOrder: false,
      clientAllowedSans: ['scraper.example.com'],
    });
    expect(c.http2).toBe(false);
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    expect([...c.users]).toEqual([['alice', HASH]]);
    expect(c.authExcludedPaths).toEqual(['/-/healthy']);
  });

  it('defaults TLS to 1.2..1.3, NoClientCert and Node cipher defaults; takes inline PEMs', () => {
    const c = parseWebConfig('tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----"\n  key_file: k.pem\n', 'web.yml', BASE);
    expect(c.tls).toMatchObject({ cert: { inline: '-----BEGIN CERTIFICATE-----' }, clientAuth: 'NoClientCert', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: null, ecdhCurve: null, honorCipherOrder: true, clientCa: null, clientAllowedSans: null });
  });

  it('names the field of a bad value, in the style of the main config', () => {
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS9\n'))
      .toEqual(['tls_server_config.min_version: "TLS9" must be one of TLS10, TLS11, TLS12, TLS13']);
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n'))
      .toEqual(['tls_server_config.client_auth_type: "Always" must be one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert']);
    expect(problems('tls_server_config:\n  cert_file: a\n  key_file: b\n  cert_fil: c\nlisten: x\n'))
      .toEqual(expect.arrayContaining(['tls_server_config.cert_fil: unknown key', 'listen: unknown key']));
    expect(problems('http_server_config:\n  http2: yes please\n')).toEqual(['http_server_config.http2: "yes please" must be a boolean']);
    expect(problems('auth_excluded_paths: [healthy]\n')).toEqual(['auth_excluded_paths[0]: "healthy" must be a path starting with /']);
    expect(problems('basic_auth_users: [alice]\n')[0]).toMatch(/^basic_auth_users: /);
    expect(problems('tls_server_config: {cert_file: a\n')[0]).toMatch(/^YAML: /);
  });

  it('refuses incomplete or contradictory TLS settings', () => {
    expect(problems('tls_server_config:\n  min_version: TLS13\n')).toEqual([
      'tls_server_config.cert_file: is required (or cert) when tls_server_config is given',
      'tls_server_config.key_file: is required (or key) when tls_server_config is given',
    ]);
    expect(problems('tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: ""\n')).toEqual([
      'tls_server_config.cert_file: give cert or cert_file, not both',
      'tls_server_config.key_file: is required (or key) when tls_server_config is given',
    ]);
    const tls = 'tls_server_config:\n  cert_file: a\n  key_file: b\n';
    expect(problems(`${tls}  client_ca_file: ca.crt\n`)[0]).toMatch(/^tls_server_config\.client_ca_file: is set but client_auth_type is NoClientCert/);
    expect(problems(`${tls}  client_auth_type: RequireAndVerifyClientCert\n`)[0]).toMatch(/^tls_server_config\.client_ca_file: is required with client_auth_type RequireAndVerifyClientCert/);
    expect(problems(`${tls}  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n  client_allowed_sans: [x]\n`))
      .toEqual(['tls_server_config.client_allowed_sans: requires client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert']);
    expect(problems(`${tls}  min_version: TLS13\n  max_version: TLS12\n`)).toEqual(['tls_server_config.min_version: TLS13 is above max_version TLS12']);
    expect(problems(`${tls}  cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]\n`)[0]).toMatch(/^tls_server_config\.cipher_suites\[0\]: "ECDHE-RSA-AES128-GCM-SHA256" is not a cipher suite ptr-exporter knows; use one of TLS_AES_128_GCM_SHA256, /);
    expect(problems(`${tls}  curve_preferences: [CurveP224]\n`)).toEqual(['tls_server_config.curve_preferences[0]: "CurveP224" must be one of CurveP256, CurveP384, CurveP521, X25519, X25519MLKEM768']);
    expect(problems(`${tls}  cipher_suites: [constructor]\n`)).toHaveLength(1);
  });

  it('allows only exporter-toolkit headers with their allowed values', () => {
    expect(problems('http_server_config:\n  headers:\n    Server: ptr\n')[0]).toBe('http_server_config.headers.Server: cannot be configured; allowed: Content-Security-Policy, Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection');
    expect(problems('http_server_config:\n  headers:\n    X-Frame-Options: allow\n')).toEqual(['http_server_config.headers.X-Frame-Options: "allow" must be one of deny, sameorigin']);
    expect(problems('http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n')).toEqual(['http_server_config.headers.X-Content-Type-Options: "sniff" must be one of nosniff']);
    expect(problems('http_server_config:\n  headers:\n    Content-Security-Policy: "a\\r\\nSet-Cookie: x"\n')).toEqual(['http_server_config.headers.Content-Security-Policy: must not contain control characters']);
  });

  it('refuses users without a bcrypt hash, without echoing the value', () => {
    const p = problems('basic_auth_users:\n  alice: plaintext-password\n  "bo:b": ' + HASH + '\n');
    expect(p).toEqual([
      'basic_auth_users.alice: is not a bcrypt hash (like $2y$10$ followed by 53 characters; see htpasswd -nBC 10)',
      'basic_auth_users.bo:b: a user name must be non-empty and must not contain ":"',
    ]);
    expect(p.join('\n')).not.toContain('plaintext-password');
  });

  it('refuses a bcrypt cost outside 4 to 17', () => {
    const costly = `$2y$18$${HASH.slice(7)}`;
    expect(problems(`basic_auth_users:\n  alice: "${costly}"\n`)).toEqual(['basic_auth_users.alice: bcrypt cost 18 is outside 4 to 17 (htpasswd -nBC 10 makes cost 10)']);
    expect(problems(`basic_auth_users:\n  alice: "$2y$03$${HASH.slice(7)}"\n`)).toEqual(['basic_auth_users.alice: bcrypt cost 03 is outside 4 to 17 (htpasswd -nBC 10 makes cost 10)']);
  });

  it('accepts examples/web-config.yml', () => {
    const c = parseWebConfig(readFileSync('examples/web-config.yml', 'utf8'), 'examples/web-config.yml', resolve('examples'));
    expect(c.tls?.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(c.tls?.cert).toEqual({ file: resolve('examples/tls/server.crt') });
    expect(c.users.has('prometheus')).toBe(true);
    expect(c.authExcludedPaths).toEqual(['/-/healthy']);
  });

  it('says rate_limit is not supported rather than ignoring it', () => {
    expect(problems('rate_limit:\n  interval: 1s\n  burst: 5\n')[0]).toMatch(/^rate_limit: is not supported by ptr-exporter/);
  });
});

describe('basic auth', () => {
  it('parses the Authorization header', () => {
    expect(parseBasicAuth(basic('alice', 'pa:ss wörd'))).toEqual({ user: 'alice', password: 'pa:ss wörd' });
    expect(parseBasicAuth(`bAsIc ${Buffer.from('u:').toString('base64')}`)).toEqual({ user: 'u', password: '' });
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
  });

  it('accepts the right password, caches only successes, and misses the cache when the hash changes', async () => {
    const verifier = new BasicAuthVerifier();
    const users = new Map([['alice', HASH]]);
    expect(await verifier.check(users, basic('alice', 'wrong'))).toBe('denied');
    expect(await verifier.check(users, basic('mallory', 's3cret'))).toBe('denied');
    expect(await verifier.check(users, undefined)).toBe('denied');
    expect(verifier.cached).toBe(0);
    expect(await verifier.check(users, basic('alice', 's3cret'))).toBe('ok');
    expect(verifier.cached).toBe(1);
    expect(await verifier.check(users, basic('alice', 's3cret'))).toBe('ok');
    expect(verifier.cached).toBe(1);
    const rotated = new Map([['alice', bcrypt.hashSync('n3w', 4)]]);
    expect(await verifier.check(rotated, basic('alice', 's3cret'))).toBe('denied');
    expect(await verifier.check(rotated, basic('alice', 'n3w'))).toBe('ok');
    expect(await verifier.check(new Map(), basic('alice', 'n3w'))).toBe('denied');
  });

  it('reads SANs as exporter-toolkit compares them', () => {
    expect(subjectAltNames('DNS:scraper.example.com, IP Address:0:0:0:0:0:0:0:1, IP Address:192.0.2.7, email:ops@example.com, URI:spiffe://example.com/prom, DNS:"a, DNS:b"'))
      .toEqual(['scraper.example.com', '::1', '192.0.2.7', 'ops@example.com', 'spiffe://example.com/prom', 'a, DNS:b']);
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});
