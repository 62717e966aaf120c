import { loadConfig } from '../config/load.js';
import { DEFAULT_MTA_PATHS, gather, type MtaPaths } from '../doctor/gather.js';
import { diagnose } from '../doctor/problems.js';
import { renderDoctor } from '../doctor/render.js';

/** Options of `doctor`; `domains` adds to (and `dkimSelectors` applies to) the config's `domains`. */
export interface DoctorOptions {
  configFile: string | null;
  domains: string[];
  dkimSelectors: string[];
  json: boolean;
  postfixConfig: string | null;
  eximConfig: string | null;
}

/**
 * `doctor`: answers "will my mail be refused for reverse DNS or authentication, and what do I do?" for
 * this host; prints what it found, numbered problems with fixes and a one-line verdict (or JSON).
 * Exit 0 with no problem, 1 otherwise.
 */
export async function doctorCommand(opts: DoctorOptions, out: (s: string) => void, nowMs = Date.now()): Promise<number> {
  const config = loadConfig(opts.configFile);
  const domains = [
    ...config.domains.map((d) => ({ ...d, dkimSelectors: [...new Set([...d.dkimSelectors, ...opts.dkimSelectors])] })),
    ...opts.domains.filter((name) => !config.domains.some((d) => d.name === name)).map((name) => ({ name, dkimSelectors: opts.dkimSelectors })),
  ];
  const mtaPaths: MtaPaths = {
    postfixDir: opts.postfixConfig ?? DEFAULT_MTA_PATHS.postfixDir,
    eximFiles: opts.eximConfig === null ? DEFAULT_MTA_PATHS.eximFiles : [opts.eximConfig],
  };
  const notes: string[] = [];
  if (domains.length === 0) notes.push('SPF, DKIM and DMARC not checked: no domains in the config; give --domain D to check them.');
  const findings = await gather(config, domains, mtaPaths, nowMs, notes);
  if (config.logs.length === 0) notes.push('no MTA log configured or found: recent rejections not read.');
  const { problems, verdict } = diagnose(findings);
  out(opts.json ? `${JSON.stringify({ ...findings, problems, verdict, notes }, null, 2)}\n` : renderDoctor(findings, problems, verdict, notes));
  return problems.length === 0 ? 0 : 1;
}
