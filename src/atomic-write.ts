import { open, rename, rm, writeFile } from 'node:fs/promises';

/** How a write went: `inPlace` when every rename attempt failed and the file was overwritten directly. */
export type FileWrite = { ok: true; inPlace: boolean } | { ok: false; error: string };

/** Injected file operations (tests exercise the Windows rename failures with them). */
export interface WriteOps {
  rename: (from: string, to: string) => Promise<void>;
  /** Waits between rename attempts; default a timer. */
  sleep: (ms: number) => Promise<void>;
}

const RENAME_RETRY_CODES = new Set(['EPERM', 'EBUSY', 'EACCES']);
/** Waits between rename attempts: about 0.6 s in all. */
const RENAME_BACKOFF_MS = [10, 20, 40, 80, 160, 320];

/**
 * Writes `text` to `${file}.tmp` (flushed to disk), then renames it over `file`: atomic on
 * POSIX, and a replace on Windows. There, a virus scanner or indexer holding the target open makes
 * rename fail with EPERM, EBUSY or EACCES for a moment: it is retried with backoff, and when it still
 * fails the target is overwritten in place (not atomic, but a torn file is only ever ignored as
 * corrupt). Other failures leave the old file as it was. The .tmp file never stays behind.
 */
export async function writeFileAtomic(file: string, text: string, ops: Partial<WriteOps> = {}): Promise<FileWrite> {
  const doRename = ops.rename ?? rename;
  const sleep = ops.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const tmp = `${file}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, error: (e as Error).message };
  }
  let lastError: NodeJS.ErrnoException | null = null;
  for (let attempt = 0; attempt <= RENAME_BACKOFF_MS.length; attempt++) {
    try {
      await doRename(tmp, file);
      return { ok: true, inPlace: false };
    } catch (e) {
      lastError = e as NodeJS.ErrnoException;
      if (!RENAME_RETRY_CODES.has(lastError.code ?? '') || attempt === RENAME_BACKOFF_MS.length) break;
      await sleep(RENAME_BACKOFF_MS[attempt]!);
    }
  }
  try {
    if (!RENAME_RETRY_CODES.has(lastError?.code ?? '')) return { ok: false, error: lastError?.message ?? 'rename failed' };
    await writeFile(file, text, 'utf8');
    return { ok: true, inPlace: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}
