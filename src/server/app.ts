import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Exporter } from '../exporter/exporter.js';
import { adviceFor } from '../probe/advice.js';
import { renderLandingPage } from './landing-page.js';
import { METRICS_CONTENT_TYPE } from '../metrics.js';
import { registerProbeRoute } from './probe-route.js';
import { registerWebAuth } from './web-auth.js';
import type { WebConfigWatcher } from './web-config-watch.js';

/** What the HTTP layer needs besides the exporter. */
export interface ServerOptions {
  exporter: Exporter;
  /** Re-reads the config; resolves to an error text when the new config was refused. */
  reload?: () => Promise<string | null>;
  /** The web config (TLS, basic auth, headers) from web.config_file; null or absent for plain HTTP without auth. */
  web?: WebConfigWatcher | null;
  /** Told why a TLS connection was closed by the client certificate policy. */
  onTlsRefused?: (reason: string) => void;
}

/**
 * Creates the fastify instance: HTTPS (HTTP/2 with HTTP/1.1 fallback unless http2 is false) when the web
 * config has tls_server_config at start, plain HTTP otherwise; the web config's hooks are installed and the
 * watcher gets the server so that certificate changes reach it.
 */
export function createFastify(web: WebConfigWatcher | null = null, onTlsRefused?: (reason: string) => void): FastifyInstance {
  const tls = web?.current.tls ?? null;
  let app: FastifyInstance;
  if (tls === null) app = Fastify({ logger: false });
  // The http2/https overloads type the server differently; routes and hooks only use what both share.
  else if (web?.config.http2) app = Fastify({ logger: false, http2: true, https: { ...tls, allowHTTP1: true } }) as unknown as FastifyInstance;
  else app = Fastify({ logger: false, https: tls });
  if (web) {
    registerWebAuth(app, () => web.config, onTlsRefused);
    web.attach(app.server);
  }
  return app;
}

/** Builds the fastify app with every route, without listening. */
export function buildServer({ exporter, reload, web = null, onTlsRefused }: ServerOptions): FastifyInstance {
  const app = createFastify(web, onTlsRefused);
  const telemetryPath = exporter.config.web.telemetryPath;

  app.get(telemetryPath, async (_req, reply) => {
    return reply.type(METRICS_CONTENT_TYPE).send(Readable.from(await exporter.metrics.renderParts()));
  });

  app.get('/', async (_req, reply) => {
    const status = exporter.status();
    const html = renderLandingPage({
      version: exporter.version,
      telemetryPath: telemetryPath.replace(/^\//, ''),
      status,
      rejections: exporter.tally.list(),
      senders: exporter.tally.senderList(),
      advice: (t) => (t.status === null ? null : adviceFor({ ...t, status: t.status, iprev: t.iprev! }, t.kind)),
    });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/api/v1/status', async () => exporter.status());
  app.get('/-/healthy', async (_req, reply) => reply.type('text/plain').send('OK\n'));
  app.get('/-/ready', async (_req, reply) => {
    const { ready, reason } = exporter.ready();
    return reply.code(ready ? 200 : 503).type('text/plain').send(`${reason}\n`);
  });
  registerProbeRoute(app, () => exporter.config);
  app.post('/-/reload', async (_req, reply) => {
    if (!reload) return reply.code(501).type('text/plain').send('reload is not available\n');
    const error = await reload();
    return error === null
      ? reply.type('text/plain').send('config reloaded\n')
      : reply.code(500).type('text/plain').send(`config not reloaded, the running one stays: ${error}\n`);
  });
  return app;
}
