import { addressKind, familyOf, isRoutableKind, type Family } from './address.js';
import { SOURCES, type Target, type TargetSource } from './target.js';

/** A configured target: a normalised IP and the HELO name its MTA announces. */
export interface ConfiguredAddress { ip: string; family: Family; helo: string | null }

/** Addresses found by each source; configured targets carry their helo. */
export interface SourceAddresses {
  config: readonly ConfiguredAddress[];
  interface: readonly string[];
  egress: readonly string[];
  log: readonly string[];
}

/**
 * Merges the sources into one list without duplicates. An IP named by several sources keeps the
 * first of config, egress, log, interface (the most telling for an operator). Configured and
 * log-learned IPs are always probed (someone said they send mail); discovered ones only when their
 * kind is routable. Beyond maxTargets, later sources are dropped; `dropped` says how many.
 * A target that `known` returns with the same helo and source is reused rather than made again.
 */
export function mergeTargets(sources: SourceAddresses, maxTargets: number, known: (ip: string) => Target | undefined = () => undefined): { targets: Target[]; dropped: number } {
  const byIp = new Map<string, Target>();
  let dropped = 0;
  for (const source of SOURCES) {
    const entries = source === 'config' ? sources.config : sources[source].map((ip) => ({ ip, helo: null }));
    for (const { ip, helo } of entries) {
      if (byIp.has(ip)) continue;
      if (byIp.size >= maxTargets) {
        dropped++;
        continue;
      }
      const old = known(ip);
      byIp.set(ip, old !== undefined && old.helo === helo && old.source === source ? old : makeTarget(ip, helo, source));
    }
  }
  return { targets: [...byIp.values()], dropped };
}

/** The configured addresses as targets, by IP. */
export function configuredTargets(config: readonly ConfiguredAddress[]): Map<string, Target> {
  return new Map(config.map(({ ip, helo }) => [ip, makeTarget(ip, helo, 'config')]));
}

/** A target from one source: configured and log-learned IPs are always probed, discovered ones when routable. */
export function makeTarget(ip: string, helo: string | null, source: TargetSource): Target {
  const kind = addressKind(ip);
  const probed = source === 'config' || source === 'log' || isRoutableKind(kind);
  return { ip, family: familyOf(ip), helo, source, kind, probed };
}
