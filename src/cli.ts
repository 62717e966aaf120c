#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from './config/errors.js';
import { parseDuration } from './config/duration.js';
import { isDomainName, isSelector, normalizeDomain } from './auth/domain-name.js';
import { SCAN_FORMAT_CHOICES } from './logs/formats/index.js';
import { parseServerAddress } from './probe/server-address.js';
import { isHostname, normalizeHostname } from './targets/hostname.js';
import { UsageError } from './commands/usage-error.js';
import { createLogger, LEVELS, type Level } from './logger.js';
import { versionLine } from './version.js';

const out = (s: string): void => void process.stdout.write(s);
const err = (s: string): void => void process.stderr.write(s);

/** Builds the command line; each action loads its command lazily and resolves to an exit code. */
function buildProgram(setExit: (code: Promise<number> | number) => void): Command {
  const program = new Command('ptr-exporter')
    .description('Prometheus exporter for forward-confirmed reverse DNS of mail servers\' sending IPs and SMTP rejections in MTA logs')
    .version(versionLine(), '--version')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  program.command('serve', { isDefault: true })
    .description('run the exporter')
    .option('--config <file>', 'config file (YAML); without it the default config is used')
    .option('--web.listen-address <host:port>', 'address to listen on')
    .option('--web.config.file <file>', 'exporter-toolkit web config (TLS, basic auth)')
    .addOption(new Option('--log.level <level>', 'log level').choices([...LEVELS]).default('info'))
    .addOption(new Option('--log.format <format>', 'log format').choices(['logfmt', 'json']).default('logfmt'))
    .action((o: Record<string, string | undefined>) => {
      const logger = createLogger(o['log.level'] as Level, o['log.format'] as 'logfmt' | 'json');
      setExit(import('./commands/serve.js').then(({ serveCommand }) => serveCommand({
        configFile: o.config ?? null,
        overrides: { listenAddress: o['web.listenAddress'], webConfigFile: o['web.config.file'] },
        logger,
      })));
    });

  program.command('probe')
    .description('probe the IPs once and print a verdict per IP; exit 0 when all pass, 1 otherwise')
    .argument('<ip...>', 'IP addresses to probe')
    .option('--dns.server <host[:port]>', 'DNS server to ask (repeatable); default: the system resolvers', collectServer, [])
    .option('--helo <name>', 'the name the MTA announces; the PTR name must equal it', heloArg)
    .option('--timeout <duration>', 'timeout per DNS query', durationArg, 2000)
    .option('--domain <domain>', 'also check SPF of each IP for this envelope-sender domain, and its DKIM keys and DMARC (repeatable)', collectDomain, [])
    .option('--dkim-selector <selector>', 'DKIM selector whose key each --domain must publish (repeatable)', collectSelector, [])
    .option('--json', 'print JSON')
    .action((ips: string[], o: { 'dns.server': string[]; helo?: string; timeout: number; domain: string[]; dkimSelector: string[]; json?: boolean }) => {
      if (o.dkimSelector.length > 0 && o.domain.length === 0) throw new UsageError('option --dkim-selector needs --domain');
      setExit(import('./commands/probe.js').then(({ probeCommand }) => probeCommand(ips, {
        dns: { servers: o['dns.server'], timeoutMs: o.timeout, attempts: 2 },
        helo: o.helo ?? null,
        json: o.json === true,
        domains: o.domain.map((name) => ({ name, dkimSelectors: o.dkimSelector })),
      }, out)));
    });

  program.command('scan')
    .description('read whole log files (or - for stdin) once and print the rejection summary')
    .argument('[file...]', 'log files, or - for standard input')
    .addOption(new Option('--format <format>', 'log format').choices(SCAN_FORMAT_CHOICES).default('auto'))
    .option('--json', 'print JSON')
    .option('--journal', 'read the systemd journal (the MTA units) instead of files')
    .option('--journal-directory <dir>', 'with --journal: a journal directory instead of the system journal')
    .option('--since <duration>', 'with --journal: only entries of the last DURATION (like 1h or 24h)', durationArg)
    .action((files: string[], o: { format: string; json?: boolean; journal?: boolean; journalDirectory?: string; since?: number }) => {
      const journal = o.journal === true || o.journalDirectory !== undefined;
      if (journal && files.length > 0) throw new UsageError('scan takes files or --journal, not both');
      if (!journal && files.length === 0) throw new UsageError('scan needs a FILE (or - for standard input) or --journal');
      if (!journal && o.since !== undefined) throw new UsageError('--since needs --journal');
      const journalOpts = journal ? { directory: o.journalDirectory ?? '', sinceMs: o.since === undefined ? undefined : Date.now() - o.since } : undefined;
      setExit(import('./commands/scan.js').then(({ scanCommand }) => scanCommand(files, { format: o.format as 'auto', json: o.json === true, journal: journalOpts }, out, err)));
    });

  program.command('doctor')
    .description('check this host: addresses, reverse DNS, SPF/DKIM/DMARC, MTA IPv6 settings and recent rejections; numbered problems with fixes; exit 0 when none, 1 otherwise')
    .option('--config <file>', 'config file (YAML); without it the default config is used')
    .option('--domain <domain>', 'also check SPF, DKIM and DMARC of this sending domain (repeatable)', collectDomain, [])
    .option('--dkim-selector <selector>', 'DKIM selector whose key must be published (repeatable)', collectSelector, [])
    .option('--postfix-config <dir>', 'Postfix configuration folder (main.cf)', '/etc/postfix')
    .option('--exim-config <file>', 'Exim configuration file (default: the usual places)')
    .option('--json', 'print JSON')
    .action((o: { config?: string; domain: string[]; dkimSelector: string[]; postfixConfig: string; eximConfig?: string; json?: boolean }) => {
      setExit(import('./commands/doctor.js').then(({ doctorCommand }) => doctorCommand({
        configFile: o.config ?? null,
        domains: o.domain,
        dkimSelectors: o.dkimSelector,
        json: o.json === true,
        postfixConfig: o.postfixConfig,
        eximConfig: o.eximConfig ?? null,
      }, out)));
    });

  program.command('check-config')
    .description('validate a config file; exit 0 or 2')
    .argument('<file>', 'config file')
    .action((file: string) => setExit(import('./commands/check-config.js').then(({ checkConfigCommand }) => checkConfigCommand(file, out, err))));

  return program;
}

function collectDomain(value: string, previous: string[]): string[] {
  if (!isDomainName(value)) throw new InvalidArgumentError('expected a domain name like example.com.');
  const name = normalizeDomain(value);
  return previous.includes(name) ? previous : [...previous, name];
}

function collectSelector(value: string, previous: string[]): string[] {
  if (!isSelector(value)) throw new InvalidArgumentError('expected a DKIM selector like s2024 (letters, digits, hyphens, dots).');
  const name = value.toLowerCase();
  return previous.includes(name) ? previous : [...previous, name];
}

function collectServer(value: string, previous: string[]): string[] {
  if (parseServerAddress(value) === null) throw new InvalidArgumentError('expected HOST, HOST:PORT or [IPv6]:PORT with an IP address as HOST.');
  return [...previous, value];
}

function heloArg(value: string): string {
  if (!isHostname(value)) throw new InvalidArgumentError('expected a host name like mail.example.com.');
  return normalizeHostname(value);
}

function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new InvalidArgumentError('expected a duration like 500ms, 2s or 1m.');
  return ms;
}

/** Parses argv, runs the command and returns its exit code (0 ok, 1 problem found, 2 bad usage or config). */
export async function main(argv: string[]): Promise<number> {
  let result: Promise<number> = Promise.resolve(0);
  try {
    await buildProgram((code) => { result = Promise.resolve(code); }).parseAsync(argv, { from: 'user' });
    return await result;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError) {
      err(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`fatal: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(2);
  },
);
