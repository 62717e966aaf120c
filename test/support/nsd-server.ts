import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One zone NSD serves: its origin ("example.com") and zone-file lines; SOA and NS are added. */
export interface NsdZone {
  origin: string;
  /** Zone-file lines, e.g. "25 IN PTR mail.example.com." (relative to the origin) or with absolute names. */
  records: string[];
}

export interface NsdOptions {
  zones: NsdZone[];
  /** The nsd binary; default $NSD_BIN, else /usr/sbin/nsd when it exists, else "nsd" on the PATH. */
  binary?: string;
}

/** A running NSD answering over UDP and TCP on 127.0.0.1 (and ::1 when the host has it). */
export interface NsdServer {
  port: number;
  /** "127.0.0.1:PORT", as a dns.servers entry. */
  address: string;
  /** "[::1]:PORT", or null when ::1 is not available. */
  address6: string | null;
  /** Stops NSD and removes its temporary folder. */
  stop(): Promise<void>;
}

const STARTUP_DEADLINE_MS = 10_000;
const START_ATTEMPTS = 3;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Starts a real authoritative NSD in a temporary folder and resolves once every zone answers its SOA; throws with NSD's output otherwise. */
export async function startNsd(options: NsdOptions): Promise<NsdServer> {
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error as Error;
      // Only a lost race for the free port is worth another try.
      if (!/bind|address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function startOnce(options: NsdOptions): Promise<NsdServer> {
  const { port, ipv6 } = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'ptr-nsd-'));
  try {
    const conf = join(dir, 'nsd.conf');
    for (const zone of options.zones) await writeFile(join(dir, zoneFileName(zone.origin)), zoneFile(zone));
    await writeFile(conf, nsdConf(dir, port, ipv6, options.zones));
    const child = await spawnNsd(options.binary ?? defaultBinary(), conf);
    const output = collect(child);
    try {
      await waitUntilAnswering(child, port, options.zones, output);
    } catch (error) {
      await kill(child);
      throw error;
    }
    return {
      port,
      address: `127.0.0.1:${port}`,
      address6: ipv6 ? `[::1]:${port}` : null,
      async stop() {
        await kill(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function defaultBinary(): string {
  const fromEnv = process.env.NSD_BIN;
  if (fromEnv) return fromEnv;
  return existsSync('/usr/sbin/nsd') ? '/usr/sbin/nsd' : 'nsd';
}

/** The zone file's name in the temporary folder. */
function zoneFileName(origin: string): string {
  return `${origin.replace(/\.$/, '')}.zone`;
}

/** The zone file text: $ORIGIN, $TTL, SOA, NS, then the test's lines. */
export function zoneFile(zone: NsdZone): string {
  const origin = `${zone.origin.replace(/\.$/, '')}.`;
  return [
    `$ORIGIN ${origin}`,
    '$TTL 300',
    '@ IN SOA ns.nsd.test. hostmaster.nsd.test. 1 3600 600 86400 300',
    '@ IN NS ns.nsd.test.',
    ...zone.records,
    '',
  ].join('\n');
}

/** nsd.conf for a foreground, unprivileged-safe NSD whose every file lives in `dir`. */
export function nsdConf(dir: string, port: number, ipv6: boolean, zones: readonly NsdZone[]): string {
  const q = (s: string): string => {
    if (s.includes('"')) throw new Error(`NSD cannot quote a path with a double quote: ${s}`);
    return `"${s}"`;
  };
  const lines = [
    'server:',
    '  ip-address: 127.0.0.1',
    ...(ipv6 ? ['  ip-address: ::1'] : []),
    `  do-ip6: ${ipv6 ? 'yes' : 'no'}`,
    `  port: ${port}`,
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: ${q(dir)}`,
    '  database: ""',
    `  pidfile: ${q(join(dir, 'nsd.pid'))}`,
    `  xfrdfile: ${q(join(dir, 'xfrd.state'))}`,
    `  xfrdir: ${q(dir)}`,
    `  zonelistfile: ${q(join(dir, 'zone.list'))}`,
    '  verbosity: 0',
    '  server-count: 1',
    // Response rate limiting (on by default in Debian's build, 200 answers/s per client netblock) would turn
    // a benchmark's NXDOMAIN and NODATA answers into dropped or truncated replies: loopback is one client here.
    '  rrl-ratelimit: 0',
    '  rrl-whitelist-ratelimit: 0',
    'remote-control:',
    '  control-enable: no',
  ];
  for (const zone of zones) {
    lines.push('zone:', `  name: ${q(zone.origin.replace(/\.$/, ''))}`, `  zonefile: ${q(zoneFileName(zone.origin))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Spawns `nsd -d -c conf`; rejects with a clear message when the binary is missing. */
function spawnNsd(binary: string, conf: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot start NSD (${binary}): ${error.code ?? error.message}; install it (Debian: apt-get install nsd) or set NSD_BIN`));
    });
    child.once('spawn', () => {
      running.add(child);
      child.once('exit', () => running.delete(child));
      installExitHook();
      resolve(child);
    });
  });
}

/** Kills any NSD still running when the test process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Live stdout+stderr of the child. */
function collect(child: ChildProcess): { text: string } {
  const output = { text: '' };
  const append = (chunk: Buffer): void => void (output.text += chunk.toString('utf8'));
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return output;
}

/** Polls the SOA of every zone until NSD answers it; throws with NSD's output on exit, an error line, or the deadline. */
async function waitUntilAnswering(child: ChildProcess, port: number, zones: readonly NsdZone[], output: { text: string }): Promise<void> {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`NSD exited (${child.exitCode ?? child.signalCode}) before answering:\n${output.text}`);
    }
    if (/\berror:/i.test(output.text)) throw new Error(`NSD reported an error:\n${output.text}`);
    const pending: string[] = [];
    for (const zone of zones) {
      try {
        await resolver.resolveSoa(zone.origin);
      } catch (error) {
        pending.push(zone.origin);
        lastProblem = `${zone.origin}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`NSD did not answer within ${STARTUP_DEADLINE_MS} ms (${lastProblem}):\n${output.text}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A port free on 127.0.0.1 (and ::1 when present) for both UDP and TCP, found by binding port 0 and closing. */
async function freePort(): Promise<{ port: number; ipv6: boolean }> {
  const ipv6 = await canBind('udp6', '::1', 0);
  for (let attempt = 0; attempt < 50; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve(udp.address().port));
    });
    const others = await Promise.all([
      canBind('tcp', '127.0.0.1', port),
      ...(ipv6 ? [canBind('udp6', '::1', port), canBind('tcp', '::1', port)] : []),
    ]);
    await new Promise<void>((done) => udp.close(() => done()));
    if (others.every(Boolean)) return { port, ipv6 };
  }
  throw new Error('could not find a port free on UDP and TCP');
}

/** True when HOST:PORT can be bound (the socket is closed again). */
function canBind(kind: 'tcp' | 'udp6', host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (kind === 'tcp') {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
      return;
    }
    const socket = dgram.createSocket({ type: 'udp6', ipv6Only: true });
    socket.once('error', () => {
      try {
        socket.close();
      } catch {
        // never bound
      }
      resolve(false);
    });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}
