import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { parseListenAddress } from '../src/config/listen-address.js';
import { listenAttempts, listenOn } from '../src/server/listen.js';
import { serve, terminate } from './support/cli-process.js';

/** Status of GET /-/healthy at host:port, or the error code when the connection fails. */
function healthy(host: string, port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/-/healthy', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** A fastify app with /-/healthy listening on `address` through listenOn; resolves to its port. */
async function listening(address: string): Promise<number> {
  app = Fastify();
  app.get('/-/healthy', async () => 'OK\n');
  const server = app;
  await listenOn(parseListenAddress(address)!, (options) => server.listen(options));
  const bound = server.server.address();
  return typeof bound === 'object' && bound !== null ? bound.port : 0;
}

describe('listen addresses', () => {
  it(':PORT answers on IPv4 and IPv6 loopback', async () => {
    const port = await listening(':0');
    expect(await healthy('127.0.0.1', port)).toBe(200);
    expect(await healthy('::1', port)).toBe(200);
  });

  it('0.0.0.0:PORT is IPv4 only and [::]:PORT IPv6 only, as written', async () => {
    let port = await listening('0.0.0.0:0');
    expect(await healthy('127.0.0.1', port)).toBe(200);
    expect(await healthy('::1', port)).toBe('ECONNREFUSED');
    await app!.close();
    port = await listening('[::]:0');
    expect(await healthy('::1', port)).toBe(200);
    expect(await healthy('127.0.0.1', port)).toBe('ECONNREFUSED');
  });

  it('falls back to 0.0.0.0 only when the host has no IPv6', async () => {
    expect(listenAttempts({ host: null, port: 9808 })).toEqual([{ host: '::', port: 9808, ipv6Only: false }, { host: '0.0.0.0', port: 9808, ipv6Only: false }]);
    const tried: string[] = [];
    const noIpv6 = async ({ host }: { host: string }): Promise<void> => {
      tried.push(host);
      if (host === '::') throw Object.assign(new Error('listen EAFNOSUPPORT: address family not supported ::'), { code: 'EAFNOSUPPORT' });
    };
    expect(await listenOn({ host: null, port: 9808 }, noIpv6)).toEqual({ host: '0.0.0.0', port: 9808, ipv6Only: false });
    expect(tried).toEqual(['::', '0.0.0.0']);
    const inUse = async (): Promise<void> => {
      throw Object.assign(new Error('listen EADDRINUSE: address already in use :::9808'), { code: 'EADDRINUSE' });
    };
    await expect(listenOn({ host: null, port: 9808 }, inUse)).rejects.toThrow('EADDRINUSE');
  });

  it('serve with listen_address ":0" answers on 127.0.0.1 and [::1]', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ptr listen '));
    try {
      const file = join(dir, 'dual.yml');
      await writeFile(file, 'web: { listen_address: ":0" }\nprobe: { run_on_start: false }\ndiscover: { interfaces: false, egress: false }\nlogs: []\n');
      const served = await serve(file);
      const port = Number(new URL(served.base).port);
      expect(served.stderr()).toMatch(new RegExp(`msg=listening .*address="?\\[::\\]:${port}"? dual_stack=true`));
      expect(await healthy('127.0.0.1', port)).toBe(200);
      expect(await healthy('::1', port)).toBe(200);
      expect(await terminate(served)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
