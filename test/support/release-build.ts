import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The checkout's root folder. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The package version. */
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** The Node.js version inside the release executables. */
export const RELEASE_NODE = readFileSync(join(ROOT, '.ci/release/node-version'), 'utf8').trim();

export const RELEASE_DIR = join(ROOT, 'release');
export const LINUX_ARCHIVE = join(RELEASE_DIR, `ptr-exporter-${VERSION}-linux-x64.tar.gz`);
export const WINDOWS_ARCHIVE = join(RELEASE_DIR, `ptr-exporter-${VERSION}-windows-x64.zip`);
const SUMS = join(RELEASE_DIR, 'SHA256SUMS');
const REVISION_FILE = join(RELEASE_DIR, '.revision');

/** What the release is built from: a change to any of these makes release/ stale. */
const INPUTS = ['src', 'examples', 'dashboards', '.ci/release', 'package.json', 'package-lock.json', 'README.md', 'LICENSE'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, f) => Math.max(max, newestMtime(join(path, f))), st.mtimeMs);
}

/** The short hash of HEAD, as the release build embeds it (without its "-dirty" mark). */
export function headRevision(): string {
  return execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** True when release/ holds this version's archives, built from HEAD after the last change to their inputs. */
export function releaseIsFresh(): boolean {
  if (![LINUX_ARCHIVE, WINDOWS_ARCHIVE, SUMS, REVISION_FILE].every((f) => existsSync(f))) return false;
  if (readFileSync(REVISION_FILE, 'utf8').trim().replace(/-dirty$/, '') !== headRevision()) return false;
  const built = statSync(SUMS).mtimeMs;
  return INPUTS.every((p) => !existsSync(join(ROOT, p)) || newestMtime(join(ROOT, p)) <= built);
}

/** Runs `npm run release` unless release/ is fresh (CI's second Node.js run reuses the first run's build). */
export async function ensureRelease(): Promise<void> {
  if (releaseIsFresh()) return;
  await promisify(execFile)('npm', ['run', 'release'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}
