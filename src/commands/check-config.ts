import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';

/** `check-config FILE`: 0 when the file is valid, 2 otherwise. */
export function checkConfigCommand(file: string, out: (s: string) => void, err: (s: string) => void): number {
  try {
    const config = loadConfig(file);
    out(`${file}: OK (${config.targets.length} targets, ${config.logs.length} logs)\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
