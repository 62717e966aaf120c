import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, VERSION } from './support/release-build.js';

// What a user of the npm package gets: `npm pack`, then `npm install -g` of the tarball into a temporary
// prefix on the Node.js running this test (CI runs the suite on Node 20 and on Node 24). npm resolves the
// dependency ranges as for any consumer (the lockfile does not apply), from npm's cache when it can.

const exec = promisify(execFile);
let dir: string;
let prefix: string;

/** Runs npm with this test's node first on PATH, so npm checks engines against it; output is stdout+stderr. */
async function npm(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await exec('npm', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ptr-install-'));
  prefix = join(dir, 'prefix');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`npm install -g of the packed tarball on Node.js ${process.version}`, { timeout: 240_000 }, () => {
  it('installs with --engine-strict and no EBADENGINE warning, and the command runs', async () => {
    // dist/ is built by `npm test`'s pretest; --ignore-scripts skips prepack's second tsc run.
    const packed = await npm(['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
    expect(packed.code, packed.output).toBe(0);
    const tarball = join(dir, `ptr-exporter-${VERSION}.tgz`);
    expect(packed.output).toContain(`ptr-exporter-${VERSION}.tgz`);

    const installed = await npm(['install', '-g', '--prefix', prefix, '--engine-strict', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir);
    expect(installed.code, installed.output).toBe(0);
    expect(installed.output).not.toMatch(/EBADENGINE|Unsupported engine/);
    expect(installed.output).not.toMatch(/install-scripts/);

    const listed = await npm(['ls', '-g', '--prefix', prefix, '--all', '--parseable', '--long'], dir);
    expect(listed.output).toMatch(/:light-my-request@6\.6\.\d+$/m);
    expect(listed.output).not.toMatch(/:cookie@2\./m);

    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const { stdout } = await exec(join(prefix, 'bin', 'ptr-exporter'), ['--version'], { env });
    expect(stdout).toBe(`ptr-exporter ${VERSION} (node ${process.version})\n`);
  });
});
