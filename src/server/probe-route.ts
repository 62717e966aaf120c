import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import { Gauge, Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { heloSchema } from '../config/schema.js';
import { declaration, METRICS, PROBED_NOW, type MetricName } from '../metric-names.js';
import { probeIp, type ProbeTarget } from '../probe/probe.js';
import { SharedResolver } from '../probe/shared-resolver.js';
import { STATUSES, type DnsSettings, type ProbeResult } from '../probe/types.js';
import { inNetworks, normalizeIp, zoneIdOf } from '../targets/address.js';
import { ConcurrencyGate } from './concurrency-gate.js';

/** Shortest probe deadline, whatever the scrape timeout header says. */
export const MIN_PROBE_MS = 250;
/** Longest probe deadline, whatever the DNS settings allow. */
export const MAX_PROBE_MS = 60_000;
/** /probe requests probing at once; each runs at most 1 + 10 queries at a time (the PTR, then the checked names). */
export const MAX_PROBES_IN_FLIGHT = 16;
/** /probe requests waiting for a slot; more are answered 503 at once. */
export const MAX_PROBES_QUEUED = 64;
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
  const zone = zoneIdOf(raw);
  if (zone !== null) return { error: `target ${JSON.stringify(raw)} has an IPv6 zone id (%${zone}): a zone id only names a local interface and means nothing to DNS, so give the address without it` };
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

/**
 * Waits for `probing` until the deadline; when it passes first, answers temperror. The lookups are not
 * cancelled (the resolver is shared): they end by the resolver's own timeout, and keep their slot till then.
 */
export async function probeWithDeadline(target: ProbeTarget, probing: Promise<ProbeResult>, deadlineMs: number): Promise<ProbeResult> {
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
    return await Promise.race([probing, expired]);
  } finally {
    clearTimeout(timer);
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
 * GET /probe?target=IP[&helo=NAME], blackbox-style. The route always exists so that a config reload can switch
 * it on or off; while probe_endpoint.enabled is false it answers 404 like an unknown route. Requests share one
 * resolver; at most gate.maxInFlight probe at once and gate.maxQueued wait (within their deadline), the rest get 503.
 */
export function registerProbeRoute(app: FastifyInstance, config: () => Config, gate = new ConcurrencyGate(MAX_PROBES_IN_FLIGHT, MAX_PROBES_QUEUED)): void {
  const resolvers = new SharedResolver();
  app.get('/probe', async (request, reply) => {
    const arrived = performance.now();
    const { probeEndpoint, dns } = config();
    if (!probeEndpoint.enabled) return reply.callNotFound();
    const parsed = parseProbeQuery(request.query, probeEndpoint.allowedNetworks);
    if ('error' in parsed) return reply.code(400).type('text/plain; charset=utf-8').send(`${parsed.error}\n`);
    const deadline = probeDeadlineMs(request.headers['x-prometheus-scrape-timeout-seconds'], dns);
    const release = await gate.acquire(deadline - MIN_PROBE_MS);
    if (release === null) {
      return reply.code(503).header('Retry-After', '1').type('text/plain; charset=utf-8')
        .send(`too many /probe requests: ${gate.maxInFlight} probe at once and ${gate.maxQueued} may wait; retry later\n`);
    }
    const probing = probeIp(parsed.target, resolvers.get(dns)).finally(release);
    const left = Math.max(MIN_PROBE_MS, Math.round(deadline - (performance.now() - arrived)));
    const registry = probeRegistry(await probeWithDeadline(parsed.target, probing, left));
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
