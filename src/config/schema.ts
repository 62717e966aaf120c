import { isIP } from 'node:net';
import cron from 'node-cron';
import { z } from 'zod';
import { isDomainName, isSelector, normalizeDomain } from '../auth/domain-name.js';
import { journalPath } from '../logs/sources/journal-args.js';
import { FORMAT_CHOICES, formatChoices } from '../logs/formats/index.js';
import { parseServerAddress } from '../probe/server-address.js';
import { normalizeIp, zoneIdOf, zoneIdProblem } from '../targets/address.js';
import { isHostname, normalizeHostname } from '../targets/hostname.js';
import { parseDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';
import { positionsClash } from './positions-clash.js';

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** An IP address, normalised: IPv4-mapped IPv6 becomes IPv4, IPv6 lowercase and compressed. */
export const ipSchema = z.string().transform((s, ctx) => {
  const zone = zoneIdOf(s);
  const ip = normalizeIp(s);
  if (ip === null) ctx.issues.push({ code: 'custom', message: zone === null ? 'is not an IP address' : zoneIdProblem(zone), input: s });
  return ip ?? z.NEVER;
});

/** A host name as the MTA announces it in HELO, normalised (lowercase, no trailing dot). */
export const heloSchema = z.string().refine(isHostname, { message: 'is not a host name' }).transform(normalizeHostname);

/** A Prometheus-style duration ("500ms", "2s", "1m30s") between min and max (written the same way), in milliseconds. */
export function durationSchema(min: string, max: string) {
  const [minMs, maxMs] = [parseDuration(min) ?? 0, parseDuration(max) ?? 0];
  return z.string().transform((s, ctx) => {
    const ms = parseDuration(s);
    let problem: string | null = null;
    if (ms === null) problem = 'is not a duration like 500ms, 2s, 5m or 1h';
    else if (ms < minMs) problem = `must be at least ${min}`;
    else if (ms > maxMs) problem = `must be at most ${max}`;
    if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, input: s });
    return problem === null && ms !== null ? ms : z.NEVER;
  });
}

/** Paths the exporter serves itself; the metrics cannot move onto one of them. */
export const RESERVED_PATHS = ['/', '/probe', '/api/v1/status', '/-/healthy', '/-/ready', '/-/reload'];

/** HOST:PORT, [IPv6]:PORT or :PORT to listen on. */
export const listenAddressSchema = z.string().refine((s) => parseListenAddress(s) !== null, { message: 'is not HOST:PORT' });

/** A DNS server: HOST, HOST:PORT or [IPv6]:PORT with an IP address as HOST. */
export const serverAddressSchema = z.string().refine((s) => parseServerAddress(s) !== null, { message: 'is not HOST, HOST:PORT or [IPv6]:PORT with an IP address as HOST' });

/** A CIDR network like 192.0.2.0/24 or 2001:db8::/32. */
export const cidrSchema = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(addr);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}, { message: 'is not a CIDR network like 192.0.2.0/24' });

/** One `targets` entry: a sending IP and optionally the HELO name its MTA announces. */
export const targetSchema = z.strictObject({
  ip: ipSchema,
  helo: heloSchema.optional(),
}).transform((t) => ({ ip: t.ip.ip, family: t.ip.family, helo: t.helo ?? null }));

/** The `targets` list; an IP may appear once (compared after normalisation). */
export const targetsSchema = z.array(targetSchema).superRefine((targets, ctx) => {
  const seen = new Set<string>();
  targets.forEach((t, i) => {
    if (seen.has(t.ip)) ctx.addIssue({ code: 'custom', path: [i, 'ip'], message: 'is listed twice' });
    seen.add(t.ip);
  });
});

/** A systemd unit name or a journalctl unit pattern (`postfix@*.service`). */
const unitSchema = z.string().regex(/^[A-Za-z0-9:_.\\@*?[\]-]{1,256}$/, { message: 'is not a systemd unit name like postfix@-.service' });

/** `logs[].journal`: the systemd journal instead of a file. */
const journalSchema = z.strictObject({
  units: z.array(unitSchema).max(64).default([]),
  directory: z.string().default(''),
});

/** One `logs` entry: a file or glob (`path`) or the systemd journal (`journal`), exactly one of them. */
export const logSourceSchema = z.strictObject({
  path: z.string().min(1, { message: 'must not be empty' }).optional(),
  journal: journalSchema.optional(),
  format: z.enum(FORMAT_CHOICES, { message: `must be one of ${formatChoices}` }).default('auto'),
  start_at: z.enum(['end', 'beginning'], { message: 'must be end or beginning' }).default('end'),
  positions_file: z.string().default(''),
}).superRefine((l, ctx) => {
  if (l.path === undefined && l.journal === undefined) ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required (a file or glob), or journal instead', continue: false });
  if (l.path !== undefined && l.journal !== undefined) ctx.addIssue({ code: 'custom', path: ['journal'], message: 'cannot be given with path: a log entry reads a file or the journal', continue: false });
}).transform((l) => ({
  path: l.journal ? journalPath(l.journal.directory) : l.path!,
  format: l.format,
  startAt: l.start_at,
  positionsFile: l.positions_file,
  ...(l.journal ? { journal: l.journal } : {}),
}));

/** A log source to follow, as the exporter uses it. */
export type LogSource = z.output<typeof logSourceSchema>;

const webSchema = z.strictObject({
  listen_address: listenAddressSchema.default(':9808'),
  telemetry_path: z.string().regex(/^\/[^?#\s]*$/, { message: 'must be a path starting with /' })
    .regex(/^[A-Za-z0-9/._~-]*$/, { message: 'may hold only letters, digits and / . _ ~ -' })
    .refine((p) => !RESERVED_PATHS.includes(p), { message: `is taken by another endpoint (${RESERVED_PATHS.join(', ')})` })
    .default('/metrics'),
  config_file: z.string().default(''),
}).transform((w) => ({ listenAddress: w.listen_address, telemetryPath: w.telemetry_path, configFile: w.config_file }));

const dnsSchema = z.strictObject({
  servers: z.array(serverAddressSchema).default([]),
  timeout: durationSchema('10ms', '30s').prefault('2s'),
  attempts: positiveInt(10).default(2),
}).transform((d) => ({ servers: d.servers, timeoutMs: d.timeout, attempts: d.attempts }));

const probeSchema = z.strictObject({
  schedule: z.string().refine((s) => cron.validate(s), { message: 'is not a valid cron expression' }).default('*/5 * * * *'),
  concurrency: positiveInt(4096).default(32),
  run_on_start: z.boolean().default(true),
}).transform((p) => ({ schedule: p.schedule, concurrency: p.concurrency, runOnStart: p.run_on_start }));

const discoverSchema = z.strictObject({
  interfaces: z.boolean().default(true),
  egress: z.boolean().default(true),
  egress_destinations: z.array(ipSchema).prefault(['2001:4860:4860::8888', '8.8.8.8']),
  from_logs: z.boolean().default(true),
  learned_file: z.string().optional(),
  learned_ttl: durationSchema('1h', '3650d').prefault('30d'),
}).transform((d) => ({
  interfaces: d.interfaces, egress: d.egress, egressDestinations: d.egress_destinations.map((n) => n.ip), fromLogs: d.from_logs,
  learnedFile: d.learned_file ?? null, learnedTtlMs: d.learned_ttl,
}));

const limitsSchema = z.strictObject({
  max_targets: positiveInt(1_000_000).default(10000),
  max_sender_ips: positiveInt(100_000).default(64),
  max_label_length: z.number().int().min(16).max(4096).default(256),
  max_auth_pairs: positiveInt(100_000).default(1000),
}).transform((l) => ({ maxTargets: l.max_targets, maxSenderIps: l.max_sender_ips, maxLabelLength: l.max_label_length, maxAuthPairs: l.max_auth_pairs }));

/** Most domains and DKIM selectors per domain the config may list (each becomes label values). */
export const MAX_DOMAINS = 1000;
export const MAX_DKIM_SELECTORS = 32;

/** One `domains` entry: an envelope-sender domain and the DKIM selectors whose keys must be published. */
export const domainSchema = z.strictObject({
  name: z.string().refine((s) => isDomainName(s), { message: 'is not a domain name like example.com' }).transform(normalizeDomain),
  dkim_selectors: z.array(z.string().refine(isSelector, { message: 'is not a DKIM selector (letters, digits, hyphens, dots)' }).transform((s) => s.toLowerCase()))
    .max(MAX_DKIM_SELECTORS).default([])
    .superRefine((selectors, ctx) => {
      selectors.forEach((s, i) => {
        if (selectors.indexOf(s) !== i) ctx.addIssue({ code: 'custom', path: [i], message: 'is listed twice' });
      });
    }),
}).transform((d) => ({ name: d.name, dkimSelectors: d.dkim_selectors }));

/** The `domains` list; a domain may appear once. */
export const domainsSchema = z.array(domainSchema).max(MAX_DOMAINS).superRefine((domains, ctx) => {
  domains.forEach((d, i) => {
    if (domains.findIndex((o) => o.name === d.name) !== i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
  });
});

const probeEndpointSchema = z.strictObject({
  enabled: z.boolean().default(false),
  allowed_networks: z.array(cidrSchema).default([]),
}).transform((p) => ({ enabled: p.enabled, allowedNetworks: p.allowed_networks }));

/**
 * The config file schema: strict objects (unknown keys rejected), every field defaulted, snake_case keys in
 * the file and camelCase fields in the output, durations in milliseconds. `usualLogs` stands in for an
 * omitted `logs` key (an empty list means no log).
 */
export function configSchema(usualLogs: readonly LogSource[] = []) {
  return z.strictObject({
    web: webSchema.prefault({}),
    dns: dnsSchema.prefault({}),
    probe: probeSchema.prefault({}),
    targets: targetsSchema.default([]),
    discover: discoverSchema.prefault({}),
    logs: z.array(logSourceSchema).default(() => [...usualLogs]),
    limits: limitsSchema.prefault({}),
    probe_endpoint: probeEndpointSchema.prefault({}),
    domains: domainsSchema.default([]),
  }).superRefine((file, ctx) => {
    file.logs.forEach((log, i) => {
      const clash = file.logs.map((other) => ('path' in other && !('journal' in other) ? positionsClash(log.positionsFile, other.path) : null)).find((c) => c !== null);
      if (clash) ctx.addIssue({ code: 'custom', path: ['logs', i, 'positions_file'], message: `${clash}: the exporter would overwrite the log with its positions` });
    });
  }).transform(({ probe_endpoint: probeEndpoint, ...rest }) => ({ ...rest, probeEndpoint }));
}
