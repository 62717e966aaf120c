import { createHash, createPrivateKey, X509Certificate, type Hash, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import tls from 'node:tls';
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../logger.js';
import { parseWebConfig, type PemSource, type TlsServerSettings, type WebConfig } from './web-config.js';

/** Options for Node's TLS server: the secure context (what setSecureContext takes) and the client-certificate request flags. */
export interface TlsServerOptions extends tls.SecureContextOptions {
  cert: string;
  key: string;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

/** A web config read from disk together with the certificate files it names. */
export interface LoadedWebConfig {
  path: string;
  config: WebConfig;
  tls: TlsServerOptions | null;
  /** sha256 over the web config text and every file it names: a change in any of them is a new config. */
  fingerprint: string;
}

/** What one look at the file found; 'pending' is a change the poller has seen once and waits to see settle. */
export type WebConfigCheck = 'unchanged' | 'pending' | 'applied' | 'rejected';

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

/** Reads and validates a web config file and the certificates and keys it names; throws ConfigError naming the field. */
export async function loadWebConfig(path: string): Promise<LoadedWebConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${errorCode(err)}`]);
  }
  const config = parseWebConfig(text, file, dirname(file));
  const hash = createHash('sha256').update(text);
  const options = config.tls === null ? null : await tlsOptions(config.tls, file, hash);
  return { path: file, config, tls: options, fingerprint: hash.digest('hex') };
}

async function readPem(src: PemSource, field: string, source: string, hash: Hash): Promise<string> {
  if ('inline' in src) return src.inline;
  try {
    const text = await readFile(src.file, 'utf8');
    hash.update(`\0${field}\0${text}`);
    return text;
  } catch (err) {
    throw new ConfigError(source, [`tls_server_config.${field}: cannot read ${JSON.stringify(src.file)}: ${errorCode(err)}`]);
  }
}

const fieldOf = (src: PemSource, name: 'cert' | 'key' | 'client_ca'): string => ('inline' in src ? name : `${name}_file`);

/** Reads the PEMs and checks them one by one, so that the error names the field at fault. */
async function tlsOptions(t: TlsServerSettings, source: string, hash: Hash): Promise<TlsServerOptions> {
  const certField = fieldOf(t.cert, 'cert');
  const keyField = fieldOf(t.key, 'key');
  const cert = await readPem(t.cert, certField, source, hash);
  const key = await readPem(t.key, keyField, source, hash);
  const ca = t.clientCa === null ? undefined : await readPem(t.clientCa, fieldOf(t.clientCa, 'client_ca'), source, hash);
  const fail = (field: string, problem: string): never => {
    throw new ConfigError(source, [`tls_server_config.${field}: ${problem}`]);
  };
  let x509: X509Certificate | undefined;
  let privateKey: KeyObject | undefined;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    fail(certField, 'holds no PEM certificate');
  }
  try {
    privateKey = createPrivateKey(key);
  } catch {
    fail(keyField, 'holds no usable PEM private key (encrypted keys are not supported)');
  }
  if (!x509!.checkPrivateKey(privateKey!)) fail(keyField, `does not match the certificate in ${certField}`);
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch {
      fail(fieldOf(t.clientCa!, 'client_ca'), 'holds no PEM certificate');
    }
  }
  const options: TlsServerOptions = {
    cert, key, ca,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    honorCipherOrder: t.honorCipherOrder,
    requestCert: t.clientAuth !== 'NoClientCert',
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
  };
  if (t.ciphers !== null) options.ciphers = t.ciphers;
  if (t.ecdhCurve !== null) options.ecdhCurve = t.ecdhCurve;
  const attempt = (field: string, opts: tls.SecureContextOptions, what: string): void => {
    try {
      tls.createSecureContext(opts);
    } catch (err) {
      fail(field, `${what}: ${(err as Error).message}`);
    }
  };
  if (t.ciphers !== null) attempt('cipher_suites', { ciphers: t.ciphers }, 'Node.js cannot use these cipher suites');
  if (t.ecdhCurve !== null) attempt('curve_preferences', { ecdhCurve: t.ecdhCurve }, 'Node.js cannot use these curves');
  attempt(certField, options, 'Node.js refused the TLS settings');
  return options;
}

/** Node's TLS server with the two instance flags it reads for each new connection. */
type TlsServer = tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };

/**
 * The web config in force, re-read by polling: every interval (1 s by default) the file and the certificate
 * files it names are read and hashed. A change is acted on once two polls in a row saw the same content, so a
 * file caught half-written is never applied (changes take effect within about two intervals); SIGHUP and
 * POST /-/reload call check(), which acts at once. A valid new config is applied without a restart (users,
 * headers, excluded paths, certificates and TLS settings through setSecureContext); an invalid one is logged
 * and the running config stays. Switching between HTTP and HTTPS, and http2, need a restart: such a change
 * is logged and the rest applied.
 */
export class WebConfigWatcher {
  private server: TlsServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<WebConfigCheck> | null = null;
  private lastError: string | null = null;
  /** What the previous poll found when it differed from the config in force (a fingerprint or an error). */
  private seen: string | null = null;

  private constructor(private loaded: LoadedWebConfig, private readonly logger: Logger) {}

  /** Loads the file once; throws ConfigError when it is not usable (refusing to start). */
  static async open(path: string, logger: Logger): Promise<WebConfigWatcher> {
    return new WebConfigWatcher(await loadWebConfig(path), logger);
  }

  /** The loaded config in force. */
  get current(): LoadedWebConfig {
    return this.loaded;
  }

  /** The web config in force; hooks read it on each request and connection. */
  get config(): WebConfig {
    return this.loaded.config;
  }

  /** Why the last look at the file refused it; null when it was fine. */
  get error(): string | null {
    return this.lastError;
  }

  /** Remembers the server whose TLS settings follow the file (a plain HTTP server is ignored). */
  attach(server: object): void {
    if (server instanceof tls.Server) this.server = server as TlsServer;
  }

  /** Starts polling. */
  start(intervalMs = 1000): void {
    this.stop();
    this.timer = setInterval(() => void this.look(true), intervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-reads the file now and acts on what it finds at once; never throws. */
  async check(): Promise<WebConfigCheck> {
    while (this.running) await this.running;
    return this.look(false);
  }

  private look(settle: boolean): Promise<WebConfigCheck> {
    this.running ??= this.reread(settle).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async reread(settle: boolean): Promise<WebConfigCheck> {
    let next: LoadedWebConfig | null = null;
    let failure: string | null = null;
    try {
      next = await loadWebConfig(this.loaded.path);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    if (next !== null && next.fingerprint === this.loaded.fingerprint) {
      this.seen = null;
      this.lastError = null;
      return 'unchanged';
    }
    const key = next?.fingerprint ?? `error\0${failure}`;
    if (settle && this.seen !== key) {
      this.seen = key;
      return 'pending';
    }
    this.seen = key;
    if (next === null) {
      if (failure !== this.lastError) this.logger.error('web config not reloaded; the running one stays', { file: this.loaded.path, error: failure });
      this.lastError = failure;
      return 'rejected';
    }
    this.lastError = null;
    this.apply(next);
    return 'applied';
  }

  private apply(next: LoadedWebConfig): void {
    const old = this.loaded;
    let applied = next;
    if ((next.tls === null) !== (old.tls === null)) {
      this.logger.warn('web config switches between HTTP and HTTPS: that needs a restart; the other settings are applied', { file: old.path, tls: old.tls !== null });
      applied = { ...applied, tls: old.tls, config: { ...applied.config, tls: old.config.tls } };
    }
    if (old.tls !== null && applied.config.http2 !== old.config.http2) {
      this.logger.warn('http_server_config.http2 changed: that needs a restart', { file: old.path, http2: old.config.http2 });
      applied = { ...applied, config: { ...applied.config, http2: old.config.http2 } };
    }
    if (applied.tls !== null && applied.tls !== old.tls && this.server !== null) {
      this.server.setSecureContext(applied.tls);
      this.server.requestCert = applied.tls.requestCert;
      this.server.rejectUnauthorized = applied.tls.rejectUnauthorized;
    }
    this.loaded = applied;
    this.logger.info('web config reloaded', { file: old.path, tls: applied.tls !== null, basic_auth_users: applied.config.users.size });
  }
}
