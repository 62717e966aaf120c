import { spawn } from 'node:child_process';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/** Feeds `input` to `promtool check metrics`; fails loudly when promtool is missing. */
export function promtoolCheck(input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot run ${PROMTOOL}: ${e.code ?? e.message} (Debian: apt-get install prometheus, or set PROMTOOL)`)));
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}
