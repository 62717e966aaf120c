import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Set by the release build (esbuild `define`); absent when running the tsc build in dist/.
declare const __PTR_EXPORTER_VERSION__: string | undefined;
declare const __PTR_EXPORTER_REVISION__: string | undefined;

/** The package version: embedded by the release build, else from the nearest package.json above this file. */
export const VERSION: string = typeof __PTR_EXPORTER_VERSION__ === 'string'
  ? __PTR_EXPORTER_VERSION__
  : readVersion(dirname(fileURLToPath(import.meta.url)));

/** The git revision the release was built from (short hash), or "unknown". */
export const REVISION: string = typeof __PTR_EXPORTER_REVISION__ === 'string' ? __PTR_EXPORTER_REVISION__ : 'unknown';

/** The `--version` line, e.g. "ptr-exporter 0.2.0 (revision abc1234, node v24.11.1)". */
export function versionLine(): string {
  const revision = REVISION === 'unknown' ? '' : `revision ${REVISION}, `;
  return `ptr-exporter ${VERSION} (${revision}node ${process.version})`;
}

function readVersion(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dirname(at) === at) return '0.0.0';
  }
}
