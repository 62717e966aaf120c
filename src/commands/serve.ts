import type { ConfigOverrides } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { logChoiceNote, pickUsualLog, systemJournalAccess } from '../config/default-logs.js';
import { hostFiles } from '../config/host-files.js';
import { parseListenAddress } from '../config/listen-address.js';
import { ConfigError } from '../config/errors.js';
import { Exporter } from '../exporter/exporter.js';
import { createReload } from '../exporter/reload.js';
import type { Logger } from '../logger.js';
import { buildServer } from '../server/app.js';
import { formatHostPort, listenOn, type ListenOptions } from '../server/listen.js';
import { WebConfigWatcher } from '../server/web-config-watch.js';
import { VERSION } from '../version.js';

/** Options of `serve`. */
export interface ServeOptions { configFile: string | null; overrides: ConfigOverrides; logger: Logger }

/**
 * Runs the exporter until SIGTERM or SIGINT; SIGHUP and POST /-/reload re-read the config and the web config.
 * The web config file is also polled each second (see WebConfigWatcher). Resolves to the exit code.
 * Config or web config problems at start throw ConfigError (exit 2).
 */
export async function serveCommand({ configFile, overrides, logger }: ServeOptions): Promise<number> {
  const config = loadConfig(configFile, overrides);
  const journal = systemJournalAccess(process.platform, hostFiles);
  const note = logChoiceNote(process.platform, config.logs, journal, pickUsualLog(process.platform, (p) => hostFiles.exists(p), () => journal));
  if (note) logger[note.level](note.msg, note.fields);
  const web = config.web.configFile === '' ? null : await WebConfigWatcher.open(config.web.configFile, logger);
  const exporter = new Exporter(config, VERSION, logger);
  const reload = createReload({ configFile, overrides, started: config, exporter, web, logger });
  const app = buildServer({ exporter, reload, web, onTlsRefused: (reason) => logger.debug('TLS connection closed', { reason }) });
  const address = parseListenAddress(config.web.listenAddress)!;
  await exporter.start();
  let listened: ListenOptions;
  try {
    listened = await listenOn(address, (options) => app.listen(options));
  } catch (err) {
    await exporter.stop();
    throw new ConfigError('web.listen_address', [`cannot listen on ${config.web.listenAddress}: ${(err as Error).message}`]);
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
  web?.start();
  const tls = web?.current.tls != null;
  logger.info('listening', {
    version: VERSION, address: formatHostPort(listened.host, port), dual_stack: address.host === null && listened.host === '::', tls, http2: tls && web?.config.http2 === true,
    basic_auth: (web?.config.users.size ?? 0) > 0, web_config_file: web?.current.path ?? '', telemetry_path: config.web.telemetryPath, targets: config.targets.length, logs: config.logs.length });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('shutting down', { signal });
      const force = setTimeout(() => resolve(0), 5000);
      force.unref();
      web?.stop();
      void Promise.allSettled([exporter.stop(), app.close()]).then(() => {
        clearTimeout(force);
        resolve(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    if (process.platform !== 'win32') process.on('SIGHUP', () => void reload());
  });
}
