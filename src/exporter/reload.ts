import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig, type ConfigOverrides } from '../config/load.js';
import type { Logger } from '../logger.js';
import type { Exporter } from './exporter.js';

/** The web config as a reload sees it: re-checked first; `error` says why it was refused. */
export interface ReloadableWebConfig { check(): Promise<string>; readonly error: string | null }

/** What a reload reads and where it applies the result. */
export interface ReloadOptions {
  configFile: string | null;
  overrides: ConfigOverrides;
  /** The config the process started with: settings that need a restart are compared with it. */
  started: Config;
  exporter: Exporter;
  web: ReloadableWebConfig | null;
  logger: Logger;
}

/** Settings that take effect only at start, with how to read them from a config. */
const RESTART_ONLY: [string, (c: Config) => string | number][] = [
  ['web.listen_address', (c) => c.web.listenAddress],
  ['web.telemetry_path', (c) => c.web.telemetryPath],
  ['limits.max_label_length', (c) => c.limits.maxLabelLength],
];

/**
 * Returns the reload action of SIGHUP and POST /-/reload: re-reads the web config and the config file, warns about
 * changed settings that need a restart (their running value stays), and swaps the new config into the exporter.
 * Resolves to null, or to the error text when the config or the web config was refused (the running one stays).
 */
export function createReload({ configFile, overrides, started, exporter, web, logger }: ReloadOptions): () => Promise<string | null> {
  return async () => {
    const webCheck = web ? await web.check() : 'unchanged';
    try {
      const next = loadConfig(configFile, overrides);
      if (next.web.configFile !== started.web.configFile) {
        logger.warn('web.config_file changed: that needs a restart; the running web config stays', { running: started.web.configFile, configured: next.web.configFile });
      }
      for (const [field, read] of RESTART_ONLY) {
        const running = read(started);
        const configured = read(next);
        if (running !== configured) logger.warn(`${field} changed: that needs a restart; the running value stays`, { running, configured });
      }
      await exporter.reload(next);
      logger.info('config reloaded', { file: configFile ?? 'default' });
      if (webCheck !== 'rejected') return null;
      exporter.reloadFailed();
      return `web config not reloaded, the running one stays: ${web?.error ?? 'unknown error'}`;
    } catch (err) {
      exporter.reloadFailed();
      const text = err instanceof ConfigError ? err.message : String(err);
      logger.error('config reload failed; keeping the running config', { error: text });
      return text;
    }
  };
}
