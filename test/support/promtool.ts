import { spawn } from 'node:child_process';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/** Runs promtool with optional standard input; a missing binary is a loud failure, a non-zero exit a result. */
export function promtool(args: string[], input = ''): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot run ${PROMTOOL}: ${e.code ?? e.message} (Debian: apt-get install prometheus, or set PROMTOOL)`)));
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

/** Feeds `input` to `promtool check metrics`. */
export function promtoolCheck(input: string): Promise<{ code: number | null; output: string }> {
  return promtool(['check', 'metrics'], input);
}
