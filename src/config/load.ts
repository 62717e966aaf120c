import { existsSync, readFileSync, statSync } from 'node:fs';
import { isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { Config, LogSource } from './config.js';
import { pickUsualLog, systemJournalAccess } from './default-logs.js';
import { hostFiles } from './host-files.js';
import { ConfigError, describeIssues, formatPath } from './errors.js';
import { configSchema, listenAddressSchema } from './schema.js';

/** Largest config file read: YAML parsing costs about 1.5 s per MiB, and 10,000 targets with HELO names take about 600 KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** A config text this long (a few thousand targets) is followed by a full garbage collection. */
const LARGE_CONFIG_CHARS = 64 * 1024;
/** limits.max_targets when the file does not set it. */
const DEFAULT_MAX_TARGETS = 10000;

/** Command-line values that override the file. */
export interface ConfigOverrides { listenAddress?: string; webConfigFile?: string }

/** Parses and validates YAML text; throws ConfigError naming every bad field. */
export function parseConfig(text: string, source = 'config', usualLogs: readonly LogSource[] = []): Config {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) throw new ConfigError(source, [`(file): larger than ${MAX_CONFIG_BYTES} bytes`]);
  const large = text.length >= LARGE_CONFIG_CHARS;
  const config = validate(yamlValue(text, source), source, usualLogs, large);
  if (large) collectGarbage(true);
  return config;
}

/** The YAML text as plain values; throws ConfigError on a YAML error or too many targets. */
function yamlValue(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`));
  }
  const tooMany = targetCountProblem(doc);
  if (tooMany !== null) throw new ConfigError(source, [tooMany]);
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new ConfigError(source, [`${firstAliasField(doc)}: YAML: ${(err as Error).message}`]);
  }
}

/** Validates the plain values against the schema (after collecting the YAML document when the text is large). */
function validate(input: unknown, source: string, usualLogs: readonly LogSource[], large: boolean): Config {
  if (large) collectGarbage(false);
  const parsed = configSchema(usualLogs).safeParse(input);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues, input));
  return parsed.data;
}

/**
 * A full garbage collection, when Node runs with --expose-gc (one of NODE_FLAGS). The yaml library's document
 * model of a large config (10,000 targets) is tens of MiB: collected before validation, the heap need not hold
 * the document, the plain values and the config at once. With reduceMemory, V8's "last-resort" collection
 * follows, which gives freed pages back to the system: Node 24's V8 otherwise keeps about 40 MiB of them
 * pooled. Node 20's V8 does not know that option (and collects little when given options), so plain gc() comes first.
 */
function collectGarbage(reduceMemory: boolean): void {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  if (gc === undefined) return;
  gc();
  if (reduceMemory) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Reads a config file (or the defaults when path is null) and applies command-line overrides. */
export function loadConfig(path: string | null, overrides: ConfigOverrides = {}, platform = process.platform): Config {
  let text = '';
  if (path !== null) {
    try {
      if (statSync(path).size > MAX_CONFIG_BYTES) throw new ConfigError(path, [`(file): larger than ${MAX_CONFIG_BYTES} bytes`]);
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(path, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
  }
  const usual = pickUsualLog(platform, existsSync, () => systemJournalAccess(platform, hostFiles));
  const usualLogs: LogSource[] = usual ? [{ path: usual.path, format: usual.format, startAt: 'end', positionsFile: '', ...(usual.journal ? { journal: usual.journal } : {}) }] : [];
  const config = parseConfig(text, path ?? 'default config', usualLogs);
  if (overrides.listenAddress !== undefined) {
    if (!listenAddressSchema.safeParse(overrides.listenAddress).success) throw new ConfigError('--web.listen-address', [`${JSON.stringify(overrides.listenAddress)} is not HOST:PORT`]);
    config.web.listenAddress = overrides.listenAddress;
  }
  if (overrides.webConfigFile !== undefined) config.web.configFile = overrides.webConfigFile;
  return config;
}

/** Counts `targets` in the parsed document, before any object is built from it: more than limits.max_targets is refused. */
function targetCountProblem(doc: Document): string | null {
  const targets = doc.get('targets', true);
  if (!isSeq(targets)) return null;
  const max = doc.getIn(['limits', 'max_targets']);
  const limit = typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_TARGETS;
  return targets.items.length > limit ? `targets: ${targets.items.length} entries, more than limits.max_targets (${limit})` : null;
}

/** The field of the first alias (`*name`) in the document, like logs[0].path, or (top level). */
function firstAliasField(doc: Document): string {
  let field = '(top level)';
  visit(doc, {
    Alias(_key, node, ancestors) {
      const path: (string | number)[] = [];
      const chain = [...ancestors, node];
      chain.forEach((item, i) => {
        const child = chain[i + 1];
        if (isPair(item) && isScalar(item.key)) path.push(String(item.key.value));
        else if (isSeq(item) && child !== undefined) path.push(item.items.indexOf(child));
      });
      if (path.length > 0) field = formatPath(path);
      return visit.BREAK;
    },
  });
  return field;
}
