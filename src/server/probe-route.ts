import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import { Gauge, Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { heloSchema } from '../config/schema.js';
import { declaration, METRICS, PROBED_NOW, type MetricName } from '../metric-names.js';
import { probeIp, type ProbeTarget } from '../probe/probe.js';
import { createResolver } from '../probe/resolver.js';
import { STATUSES, type DnsSettings, type ProbeResult } from '../probe/types.js';
import { inNetworks, normalizeIp } from '../targets/address.js';

/** Shortest probe deadline, whatever the scrape timeout header says. */
export const MIN_PROBE_MS = 250;
/** Longest probe deadline, whatever the DNS settings allow. */
export const MAX_PROBE_MS = 60_000;
/** Kept free of the scrape timeout for sending the answer. */
const HEADER_MARGIN_MS = 500;

const parsedNetworks = new WeakMap<readonly string[], [ipaddr.IPv4 | ipaddr.IPv6, number][]>();

function networks(cidrs: readonly string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  let parsed = parsedNetworks.get(cidrs);
  if (!parsed) parsedNetworks.set(cidrs, (parsed = cidrs.map((c) => ipaddr.parseCIDR(c))));
  return parsed;
}

/**
 * Checks the query of GET /probe: `target` must be one IP inside probe_endpoint.allowed_networks (an empty list
 * allows nothing), `helo` an optional host name. Returns the target or the text of a 400 answer.
 */
export function parseProbeQuery(query: unknown, allowedNetworks: readonly string[]): { target: ProbeTarget } | { error: string } {
  const q = (query ?? {}) as Record<string, unknown>;
  const raw = q.target;
  if (raw === undefined || raw === '') return { error: 'target parameter is missing: use /probe?target=IP' };
  if (typeof raw !== 'string') return { error: 'target parameter must be given once' };
  const ip = normalizeIp(raw);
  if (ip === null) return { error: `target ${JSON.stringify(raw)} is not an IP address` };
  if (!inNetworks(ip.ip, networks(allowedNetworks))) {
    const hint = allowedNetworks.length === 0 ? ' (the list is empty, so nothing may be probed)' : '';
    return { error: `target ${ip.ip} is not in probe_endpoint.allowed_networks${hint}` };
  }
  const helo = q.helo;
  if (helo === undefined || helo === '') return { target: { ip: ip.ip, helo: null } };
  if (typeof helo !== 'string') return { error: 'helo parameter must be given once' };
  const name = heloSchema.safeParse(helo);
  if (!name.success) return { error: `helo ${JSON.stringify(helo)} is not a host name` };
  return { target: { ip: ip.ip, helo: name.data } };
}

/**
 * Milliseconds a probe may take: X-Prometheus-Scrape-Timeout-Seconds minus half a second, at least MIN_PROBE_MS,
 * at most the DNS budget (two lookup rounds of timeout x attempts, capped at MAX_PROBE_MS), which is also the
 * deadline without the header.
 */
export function probeDeadlineMs(header: string | string[] | undefined, dns: DnsSettings): number {
  const budget = Math.min(MAX_PROBE_MS, 2 * dns.timeoutMs * dns.attempts);
  const seconds = typeof header === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(header) ? Number(header) : NaN;
  if (!(seconds > 0)) return Math.max(MIN_PROBE_MS, budget);
  return Math.max(MIN_PROBE_MS, Math.min(seconds * 1000 - HEADER_MARGIN_MS, budget));
}

/** Probes with a fresh resolver; when the deadline passes first, answers temperror and cancels the lookups. */
export async function probeWithDeadline(target: ProbeTarget, dns: DnsSettings, deadlineMs: number): Promise<ProbeResult> {
  const resolver = createResolver(dns);
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<ProbeResult>((done) => {
    timer = setTimeout(() => done({
      ip: target.ip, family: normalizeIp(target.ip)?.family ?? 'ipv4', status: 'temperror', iprev: 'temperror',
      ptr: [], forward: {}, confirmed: [], helo: target.helo,
      duration_seconds: Math.round(performance.now() - start) / 1000,
      error: `no answer within the probe deadline of ${deadlineMs}ms`,
    }), deadlineMs);
  });
  try {
    return await Promise.race([probeIp(target, resolver), expired]);
  } finally {
    clearTimeout(timer);
    resolver.cancel();
  }
}

/** A fresh registry holding one probe's outcome: ptr_probe_success, ptr_probe_status and ptr_probe_duration_seconds. */
export function probeRegistry(result: ProbeResult): Registry {
  const registry = new Registry();
  const base = { ip: result.ip, family: result.family };
  const gauge = (name: MetricName): Gauge => new Gauge({ ...declaration(name), help: `${METRICS[name].help} ${PROBED_NOW}`, registers: [registry] });
  gauge('ptr_probe_success').set(base, result.status === 'pass' ? 1 : 0);
  const status = gauge('ptr_probe_status');
  for (const s of STATUSES) status.set({ ...base, status: s }, s === result.status ? 1 : 0);
  gauge('ptr_probe_duration_seconds').set(base, result.duration_seconds);
  return registry;
}

/**
 * GET /probe?target=IP[&helo=NAME], blackbox-style (DESIGN section 5). The route always exists so that a config
 * reload can switch it on or off; while probe_endpoint.enabled is false it answers 404 like an unknown route.
 */
export function registerProbeRoute(app: FastifyInstance, config: () => Config): void {
  app.get('/probe', async (request, reply) => {
    const { probeEndpoint, dns } = config();
    if (!probeEndpoint.enabled) return reply.callNotFound();
    const parsed = parseProbeQuery(request.query, probeEndpoint.allowedNetworks);
    if ('error' in parsed) return reply.code(400).type('text/plain; charset=utf-8').send(`${parsed.error}\n`);
    const deadline = probeDeadlineMs(request.headers['x-prometheus-scrape-timeout-seconds'], dns);
    const registry = probeRegistry(await probeWithDeadline(parsed.target, dns, deadline));
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
