import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Config, LogSource } from './config.js';
import { pickUsualLog, systemJournalAccess } from './default-logs.js';
import { hostFiles } from './host-files.js';
import { ConfigError, describeIssues } from './errors.js';
import { configSchema, listenAddressSchema } from './schema.js';

/** Command-line values that override the file. */
export interface ConfigOverrides { listenAddress?: string; webConfigFile?: string }

/** Parses and validates YAML text; throws ConfigError naming every bad field. */
export function parseConfig(text: string, source = 'config', usualLogs: readonly LogSource[] = []): Config {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`));
  }
  const input: unknown = doc.toJS() ?? {};
  const parsed = configSchema(usualLogs).safeParse(input);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues, input));
  return parsed.data;
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
