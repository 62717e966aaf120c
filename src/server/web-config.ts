import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../config/errors.js';

/** exporter-toolkit's client_auth_type values (Go's tls.ClientAuthType names). */
export const CLIENT_AUTH_TYPES = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** exporter-toolkit TLS version names and Node's names for them. */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;
export type NodeTlsVersion = (typeof TLS_VERSIONS)[keyof typeof TLS_VERSIONS];

/** Go's cipher suite names (tls.CipherSuites(), plus the RSA key exchange suites older releases listed) and OpenSSL's. */
const CIPHERS: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
};
const TLS13_DEFAULT_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

/** Go's curve names and OpenSSL's group names; whether Node's OpenSSL has a group is checked when the file is loaded. */
const CURVES: Record<string, string> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
  X25519MLKEM768: 'X25519MLKEM768',
};

/** The response headers exporter-toolkit lets a web config set, with their allowed values (empty: any). */
const EXTRA_HEADERS: Record<string, readonly string[]> = {
  'Content-Security-Policy': [],
  'Strict-Transport-Security': [],
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': [],
};

const BCRYPT_HASH = /^\$2[abxy]?\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/** The bcrypt costs htpasswd -B accepts (-C 4 to 17); a higher cost would make one check take minutes. */
const MIN_COST = 4;
const MAX_COST = 17;

/** A PEM taken from a file (absolute path) or written inline in the web config. */
export type PemSource = { file: string } | { inline: string };

/** tls_server_config, checked and translated to what Node's TLS server understands. */
export interface TlsServerSettings {
  cert: PemSource;
  key: PemSource;
  clientCa: PemSource | null;
  clientAuth: ClientAuthType;
  minVersion: NodeTlsVersion;
  maxVersion: NodeTlsVersion;
  /** OpenSSL cipher list (TLS 1.2 ciphers and TLS 1.3 suites), null for Node's default. */
  ciphers: string | null;
  /** OpenSSL group list like "X25519:P-256", null for Node's default. */
  ecdhCurve: string | null;
  honorCipherOrder: boolean;
  /** A client certificate must carry one of these SANs (DNS, IP, e-mail or URI); null = no check. */
  clientAllowedSans: string[] | null;
}

/** A validated web config (exporter-toolkit format, plus auth_excluded_paths). */
export interface WebConfig {
  tls: TlsServerSettings | null;
  http2: boolean;
  /** Extra response headers, canonical names. */
  headers: Record<string, string>;
  /** Basic auth user name -> bcrypt hash; empty = no basic auth. */
  users: ReadonlyMap<string, string>;
  /** URL paths (exact, without query) served without basic auth. */
  authExcludedPaths: string[];
}

const orNull = <T extends z.ZodType>(schema: T) => z.preprocess((v) => v ?? undefined, schema);
const text = z.string();
const tlsVersion = z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS], { message: `must be one of ${Object.keys(TLS_VERSIONS).join(', ')}` });

const schema = z.strictObject({
  tls_server_config: orNull(z.strictObject({
    cert: text.optional(),
    key: text.optional(),
    client_ca: text.optional(),
    cert_file: text.optional(),
    key_file: text.optional(),
    client_auth_type: z.enum(CLIENT_AUTH_TYPES, { message: `must be one of ${CLIENT_AUTH_TYPES.join(', ')}` }).optional(),
    client_ca_file: text.optional(),
    client_allowed_sans: orNull(z.array(text).optional()),
    min_version: tlsVersion.optional(),
    max_version: tlsVersion.optional(),
    cipher_suites: orNull(z.array(z.string().refine((s) => Object.hasOwn(CIPHERS, s), { message: `is not a cipher suite ptr-exporter knows; use one of ${Object.keys(CIPHERS).join(', ')}` })).optional()),
    prefer_server_cipher_suites: z.boolean().optional(),
    curve_preferences: orNull(z.array(z.string().refine((s) => Object.hasOwn(CURVES, s), { message: `must be one of ${Object.keys(CURVES).join(', ')}` })).optional()),
  }).optional()),
  http_server_config: orNull(z.strictObject({
    http2: z.boolean().default(true),
    headers: orNull(z.record(z.string(), z.string()).default({})),
  }).prefault({})),
  basic_auth_users: orNull(z.record(z.string(), z.string()).default({})),
  auth_excluded_paths: orNull(z.array(z.string().regex(/^\/[^?#\s]*$/, { message: 'must be a path starting with /' })).default([])),
  rate_limit: z.unknown().optional(),
});
type WebConfigFile = z.infer<typeof schema>;
type TlsFile = NonNullable<WebConfigFile['tls_server_config']>;

/**
 * Parses and validates web config YAML; relative file names resolve against baseDir (the file's folder, as
 * exporter-toolkit does). Throws ConfigError naming every bad field. Files are not read here.
 */
export function parseWebConfig(yamlText: string, source: string, baseDir: string): WebConfig {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`));
  }
  const input: unknown = doc.toJS() ?? {};
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues, input));
  const file = parsed.data;
  const problems: string[] = [];
  if (file.rate_limit !== undefined) problems.push('rate_limit: is not supported by ptr-exporter; put a reverse proxy in front to limit request rates');
  const headers = checkHeaders(file.http_server_config.headers, problems);
  const users = checkUsers(file.basic_auth_users, problems);
  const tls = file.tls_server_config === undefined ? null : checkTls(file.tls_server_config, baseDir, problems);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return { tls, http2: file.http_server_config.http2, headers, users, authExcludedPaths: file.auth_excluded_paths };
}

function checkHeaders(given: Record<string, string>, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const canonical = Object.keys(EXTRA_HEADERS).find((h) => h.toLowerCase() === name.toLowerCase());
    const where = `http_server_config.headers.${name}`;
    if (canonical === undefined) {
      problems.push(`${where}: cannot be configured; allowed: ${Object.keys(EXTRA_HEADERS).join(', ')}`);
      continue;
    }
    const allowed = EXTRA_HEADERS[canonical]!;
    // eslint-disable-next-line no-control-regex -- the class matches the C0 controls and DEL on purpose
    if (/[\u0000-\u001f\u007f]/.test(value)) problems.push(`${where}: must not contain control characters`);
    else if (allowed.length > 0 && !allowed.includes(value)) problems.push(`${where}: ${JSON.stringify(value)} must be one of ${allowed.join(', ')}`);
    else if (value !== '') out[canonical] = value;
  }
  return out;
}

function checkUsers(given: Record<string, string>, problems: string[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const [user, hash] of Object.entries(given)) {
    const where = `basic_auth_users.${user}`;
    const cost = BCRYPT_HASH.exec(hash)?.[1];
    if (user === '' || user.includes(':')) problems.push(`${where}: a user name must be non-empty and must not contain ":"`);
    else if (cost === undefined) problems.push(`${where}: is not a bcrypt hash (like $2y$10$ followed by 53 characters; see htpasswd -nBC 10)`);
    else if (Number(cost) < MIN_COST || Number(cost) > MAX_COST) problems.push(`${where}: bcrypt cost ${cost} is outside ${MIN_COST} to ${MAX_COST} (htpasswd -nBC 10 makes cost 10)`);
    else users.set(user, hash);
  }
  return users;
}

/** One PEM from the inline key or the file key (empty strings count as absent); null when neither, undefined when both. */
function pem(t: TlsFile, inlineKey: 'cert' | 'key' | 'client_ca', fileKey: 'cert_file' | 'key_file' | 'client_ca_file', baseDir: string, problems: string[]): PemSource | null | undefined {
  const inline = t[inlineKey] ?? '';
  const file = t[fileKey] ?? '';
  if (inline !== '' && file !== '') {
    problems.push(`tls_server_config.${fileKey}: give ${inlineKey} or ${fileKey}, not both`);
    return undefined;
  }
  if (inline !== '') return { inline };
  if (file !== '') return { file: resolve(baseDir, file) };
  return null;
}

function checkTls(t: TlsFile, baseDir: string, problems: string[]): TlsServerSettings | null {
  if (Object.keys(t).length === 0) return null;
  const before = problems.length;
  const cert = pem(t, 'cert', 'cert_file', baseDir, problems);
  const key = pem(t, 'key', 'key_file', baseDir, problems);
  const clientCa = pem(t, 'client_ca', 'client_ca_file', baseDir, problems);
  if (cert === null) problems.push('tls_server_config.cert_file: is required (or cert) when tls_server_config is given');
  if (key === null) problems.push('tls_server_config.key_file: is required (or key) when tls_server_config is given');

  const clientAuth = t.client_auth_type ?? 'NoClientCert';
  if (clientCa && clientAuth === 'NoClientCert') {
    problems.push('tls_server_config.client_ca_file: is set but client_auth_type is NoClientCert; set client_auth_type (RequireAndVerifyClientCert to check client certificates)');
  }
  if (clientCa === null && (clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert')) {
    problems.push(`tls_server_config.client_ca_file: is required with client_auth_type ${clientAuth} (the CA that signs client certificates)`);
  }
  const sans = t.client_allowed_sans ?? null;
  if (sans !== null && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    problems.push('tls_server_config.client_allowed_sans: requires client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
  }
  const min = t.min_version ?? 'TLS12';
  const max = t.max_version ?? 'TLS13';
  if (min > max) problems.push(`tls_server_config.min_version: ${min} is above max_version ${max}`);

  const suites = (t.cipher_suites ?? []).map((s) => CIPHERS[s]!);
  const ciphers = suites.length === 0 ? null : (suites.some((s) => s.startsWith('TLS_')) ? suites : [...suites, ...TLS13_DEFAULT_SUITES]).join(':');
  const curves = (t.curve_preferences ?? []).map((c) => CURVES[c]!);
  if (!cert || !key || clientCa === undefined || problems.length > before) return null;
  return {
    cert, key, clientCa, clientAuth,
    minVersion: TLS_VERSIONS[min], maxVersion: TLS_VERSIONS[max],
    ciphers,
    ecdhCurve: curves.length === 0 ? null : curves.join(':'),
    honorCipherOrder: t.prefer_server_cipher_suites ?? true,
    clientAllowedSans: sans,
  };
}
