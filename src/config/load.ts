import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { normalizeIp } from '../targets/address.js';
import type { Config, ConfiguredTarget, LogSource } from './config.js';
import { pickUsualLog } from './default-logs.js';
import { parseDuration } from './duration.js';
import { ConfigError, describeIssues, formatPath } from './errors.js';
import { configSchema, type ConfigFile } from './schema.js';

/** Command-line values that override the file. */
export interface ConfigOverrides { listenAddress?: string; webConfigFile?: string }

/** Parses and validates YAML text; throws ConfigError naming every bad field. */
export function parseConfig(text: string, source = 'config', usualLogs: LogSource[] = []): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`));
  }
  const input: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues, input));
  return toConfig(parsed.data, source, usualLogs);
}

/** Reads a config file (or the defaults when path is null) and applies command-line overrides. */
export function loadConfig(path: string | null, overrides: ConfigOverrides = {}, platform = process.platform): Config {
  let text = '';
  if (path !== null) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(path, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
  }
  const usual = pickUsualLog(platform, existsSync);
  const usualLogs: LogSource[] = usual ? [{ path: usual.path, format: usual.format, startAt: 'end', positionsFile: '' }] : [];
  const config = parseConfig(text, path ?? 'default config', usualLogs);
  if (overrides.listenAddress !== undefined) {
    const checked = configSchema.shape.web.unwrap().shape.listen_address.safeParse(overrides.listenAddress);
    if (!checked.success) throw new ConfigError('--web.listen-address', [`${JSON.stringify(overrides.listenAddress)} is not HOST:PORT`]);
    config.web.listenAddress = overrides.listenAddress;
  }
  if (overrides.webConfigFile !== undefined) config.web.configFile = overrides.webConfigFile;
  return config;
}

function toConfig(file: ConfigFile, source: string, usualLogs: LogSource[]): Config {
  const targets: ConfiguredTarget[] = [];
  const seen = new Set<string>();
  file.targets.forEach((t, i) => {
    const n = normalizeIp(t.ip)!;
    if (seen.has(n.ip)) throw new ConfigError(source, [`${formatPath(['targets', i, 'ip'])}: ${JSON.stringify(t.ip)} is listed twice`]);
    seen.add(n.ip);
    targets.push({ ip: n.ip, family: n.family, helo: t.helo ? t.helo.toLowerCase().replace(/\.$/, '') : null });
  });
  return {
    web: { listenAddress: file.web.listen_address, telemetryPath: file.web.telemetry_path, configFile: file.web.config_file },
    dns: { servers: file.dns.servers, timeoutMs: parseDuration(file.dns.timeout)!, attempts: file.dns.attempts },
    probe: { schedule: file.probe.schedule, concurrency: file.probe.concurrency, runOnStart: file.probe.run_on_start },
    targets,
    discover: {
      interfaces: file.discover.interfaces,
      egress: file.discover.egress,
      egressDestinations: file.discover.egress_destinations.map((d) => normalizeIp(d)!.ip),
      fromLogs: file.discover.from_logs,
    },
    logs: file.logs === undefined ? usualLogs : file.logs.map((l) => ({ path: l.path, format: l.format, startAt: l.start_at, positionsFile: l.positions_file })),
    limits: { maxTargets: file.limits.max_targets, maxSenderIps: file.limits.max_sender_ips, maxLabelLength: file.limits.max_label_length },
    probeEndpoint: { enabled: file.probe_endpoint.enabled, allowedNetworks: file.probe_endpoint.allowed_networks },
  };
}
