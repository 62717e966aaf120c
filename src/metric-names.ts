/** Said in every HELP text of a metric refreshed by the probe schedule. */
export const CACHED = 'Refreshed by the probe schedule and cached between scrapes.';
/** Said in the HELP texts of the answer of GET /probe. */
export const PROBED_NOW = 'Probed now for this /probe request.';

/** A metric family: its type, HELP text (without the CACHED or PROBED_NOW note), labels and whether the schedule refreshes it. */
export interface MetricSpec {
  type: 'gauge' | 'counter';
  help: string;
  labels: readonly string[];
  cached?: true;
}

const IP = ['ip', 'family'] as const;
const PATH = ['path'] as const;

/** Every metric family the exporter exposes (prom-client's default process metrics aside), by name. */
export const METRICS = {
  ptr_probe_success: { type: 'gauge', help: '1 if the IP\'s reverse DNS is forward-confirmed (status pass), else 0.', labels: IP, cached: true },
  ptr_probe_status: { type: 'gauge', help: '1 for the current probe status of the IP, 0 for the others.', labels: [...IP, 'status'], cached: true },
  ptr_probe_last_definite_status: { type: 'gauge', help: 'Like ptr_probe_status but ignoring temperror: the last definite verdict.', labels: [...IP, 'status'], cached: true },
  ptr_probe_duration_seconds: { type: 'gauge', help: 'Duration of the IP\'s last probe in seconds.', labels: IP, cached: true },
  ptr_probe_timestamp_seconds: { type: 'gauge', help: 'Unix time at which the IP\'s last probe ended.', labels: IP, cached: true },
  ptr_probes_total: { type: 'counter', help: 'Probes made, by resulting status.', labels: [...IP, 'status'] },
  ptr_hostname_info: { type: 'gauge', help: 'PTR names of the IP; confirmed="true" when the name resolves back to the IP.', labels: [...IP, 'hostname', 'confirmed'], cached: true },
  ptr_target_info: { type: 'gauge', help: 'Probe targets with where they came from and their address kind; only routable kinds and configured or log-learned IPs are probed.', labels: [...IP, 'source', 'kind', 'helo'] },

  ptr_probe_cycle_duration_seconds: { type: 'gauge', help: 'Duration of the last complete probe cycle in seconds.', labels: [], cached: true },
  ptr_probe_cycle_timestamp_seconds: { type: 'gauge', help: 'Unix time at which the last probe cycle ended.', labels: [], cached: true },
  ptr_probe_schedule_interval_seconds: { type: 'gauge', help: 'Seconds between scheduled probe cycles (from probe.schedule), for staleness alerts.', labels: [] },
  ptr_targets: { type: 'gauge', help: 'Number of probe targets from all sources.', labels: [] },
  ptr_probe_cycles_skipped_total: { type: 'counter', help: 'Scheduled probe cycles skipped because the previous cycle was still running.', labels: [] },

  ptr_smtp_rejections_total: { type: 'counter', help: 'SMTP rejections (4xx/5xx replies) received from remote servers, by provider, reason, status code and address family.', labels: ['provider', 'reason', 'code', 'family'] },
  ptr_smtp_sender_rejections_total: { type: 'counter', help: 'SMTP rejections by our sending IP named in the reply ("unknown" when not named, "other" beyond limits.max_sender_ips).', labels: ['sender_ip', 'reason'] },
  ptr_smtp_last_rejection_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last rejection by provider and reason.', labels: ['provider', 'reason'] },
  ptr_log_lines_total: { type: 'counter', help: 'Lines read from the log.', labels: PATH },
  ptr_log_bytes_total: { type: 'counter', help: 'Bytes read from the log.', labels: PATH },
  ptr_log_rotations_total: { type: 'counter', help: 'Log rotations seen (rename, recreate or a newer file for a pattern).', labels: PATH },
  ptr_log_truncations_total: { type: 'counter', help: 'Log truncations seen (copytruncate).', labels: PATH },
  ptr_log_read_errors_total: { type: 'counter', help: 'Errors opening or reading the log.', labels: PATH },
  ptr_log_open: { type: 'gauge', help: '1 while the log is open for reading (a file, or the journal through journalctl).', labels: PATH },
  ptr_log_sources: { type: 'gauge', help: 'Number of MTA logs being read; 0 means no rejection can be counted.', labels: [] },

  ptr_spf_status: { type: 'gauge', help: '1 for the current SPF result (RFC 7208 check_host) of the IP for the domain, 0 for the others.', labels: [...IP, 'domain', 'result'], cached: true },
  ptr_spf_last_definite_status: { type: 'gauge', help: 'Like ptr_spf_status but ignoring temperror: the last definite SPF result.', labels: [...IP, 'domain', 'result'], cached: true },
  ptr_dkim_key_status: { type: 'gauge', help: '1 for the current status of the DKIM key record selector._domainkey.domain, 0 for the others.', labels: ['domain', 'selector', 'status'], cached: true },
  ptr_dmarc_status: { type: 'gauge', help: '1 for the current status of the DMARC record _dmarc.domain (policy: its p= when present).', labels: ['domain', 'status', 'policy'], cached: true },
  ptr_sending_ready: { type: 'gauge', help: '1 when the IP passes FCrDNS and, for the domain, SPF passes or a DKIM key is valid (the DNS side of Gmail\'s IPv6 rule).', labels: [...IP, 'domain'], cached: true },
  ptr_auth_pairs_skipped_total: { type: 'counter', help: '(IP, domain) SPF checks skipped because a cycle had more pairs than limits.max_auth_pairs.', labels: [] },

  ptr_exporter_build_info: { type: 'gauge', help: 'Always 1; labels carry the exporter version, its git revision and the Node.js version.', labels: ['version', 'revision', 'node_version'] },
  ptr_exporter_config_last_reload_successful: { type: 'gauge', help: '1 if the last config load or reload succeeded.', labels: [] },
  ptr_exporter_config_last_reload_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful config load or reload.', labels: [] },
} as const satisfies Record<string, MetricSpec>;

/** The name of a metric family the exporter exposes. */
export type MetricName = keyof typeof METRICS;

/** The HELP text of a family as /metrics shows it: with the CACHED note when the schedule refreshes it. */
export function helpOf(name: MetricName): string {
  const spec: MetricSpec = METRICS[name];
  return spec.cached ? `${spec.help} ${CACHED}` : spec.help;
}

/** What prom-client needs to declare a family: name, HELP and label names. */
export function declaration(name: MetricName): { name: MetricName; help: string; labelNames: string[] } {
  return { name, help: helpOf(name), labelNames: [...METRICS[name].labels] };
}
