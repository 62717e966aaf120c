import type { LogFormat } from '../logs/formats/index.js';
import type { DnsSettings } from '../probe/types.js';
import type { Family } from '../targets/address.js';

/** A configured probe target, normalised. */
export interface ConfiguredTarget { ip: string; family: Family; helo: string | null }

/** A log source to tail. */
export interface LogSource {
  path: string;
  format: LogFormat | 'auto';
  startAt: 'end' | 'beginning';
  positionsFile: string;
}

/** The validated config the exporter runs on (durations in milliseconds). */
export interface Config {
  web: { listenAddress: string; telemetryPath: string; configFile: string };
  dns: DnsSettings;
  probe: { schedule: string; concurrency: number; runOnStart: boolean };
  targets: ConfiguredTarget[];
  discover: { interfaces: boolean; egress: boolean; egressDestinations: string[]; fromLogs: boolean };
  logs: LogSource[];
  limits: { maxTargets: number; maxSenderIps: number; maxLabelLength: number };
  probeEndpoint: { enabled: boolean; allowedNetworks: string[] };
}
