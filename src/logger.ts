/** Log levels, least severe first. */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A small structured logger writing logfmt or JSON lines to stderr. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Creates a logger that drops lines below `level`. */
export function createLogger(level: Level, format: 'logfmt' | 'json', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LEVELS.indexOf(level);
  const emit = (lvl: Level) => (msg: string, fields: LogFields = {}): void => {
    if (LEVELS.indexOf(lvl) < min) return;
    const record: LogFields = { ts: new Date().toISOString(), level: lvl, msg, ...fields };
    write(`${format === 'json' ? JSON.stringify(record) : logfmt(record)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function logfmt(record: LogFields): string {
  return Object.entries(record)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const s = String(v);
      return `${k}=${/^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s)}`;
    })
    .join(' ');
}

/** A logger that writes nothing (tests, one-shot commands). */
export const silentLogger: Logger = createLogger('error', 'logfmt', () => {});
