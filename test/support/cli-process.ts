import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The built CLI (dist/, built by `npm test`'s pretest). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A running `ptr-exporter serve`. */
export interface Served { child: ChildProcess; base: string; stderr: () => string; exit: Promise<number | null> }

/** How the CLI runs: the command (default: this Node.js with the built CLI, or e.g. a release executable), folder, whole environment and user (uid = gid). */
export interface SpawnOptions { command?: string[]; cwd?: string; env?: NodeJS.ProcessEnv; uid?: number }

/** Spawns the CLI with `serve --config FILE` and resolves once it logged its listening address. */
export async function serve(configFile: string, options: SpawnOptions = {}): Promise<Served> {
  const [cmd, ...args] = options.command ?? [process.execPath, CLI];
  const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  const child = spawn(cmd!, [...args, 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: options.env ?? process.env,
    ...ids,
  });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "msg=listening" line within 10 s; stderr:\n${stderr}`)), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const line = stderr.split('\n').find((l) => /\bmsg=listening\b/.test(l));
      const m = line ? /\baddress="?([^\s"]+)/.exec(line) : null;
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });
  const port = Number(/:(\d+)$/.exec(address)?.[1]);
  expect(port).toBeGreaterThan(0);
  return { child, base: `http://127.0.0.1:${port}`, stderr: () => stderr, exit };
}

/** Polls until `check` returns true; throws `what` with the server's stderr at the deadline. */
export async function waitFor(what: string, served: Served, check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${deadlineMs} ms; stderr:\n${served.stderr()}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** SIGTERM, then the exit code (or a clear failure after a generous wait). */
export async function terminate(served: Served): Promise<number | null> {
  if (served.child.exitCode !== null) return served.child.exitCode;
  served.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  const result = await Promise.race([served.exit, timeout]);
  if (result === 'timeout') {
    served.child.kill('SIGKILL');
    throw new Error(`serve did not exit within 10 s of SIGTERM; stderr:\n${served.stderr()}`);
  }
  return result;
}

/** Runs the CLI (or `command`, e.g. a release executable) to completion without blocking this process's event loop. */
export function runCli(args: string[], options: Pick<SpawnOptions, 'command' | 'env'> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...pre] = options.command ?? [process.execPath, CLI];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
