import { isIP } from 'node:net';
import cron from 'node-cron';
import { z } from 'zod';
import { FORMAT_CHOICES, formatChoices } from '../logs/formats/index.js';
import { parseServerAddress } from '../probe/server-address.js';
import { parseDuration } from './duration.js';
import { parseListenAddress } from './listen-address.js';

const ipAddress = z.string().refine((s) => isIP(s.trim()) !== 0, { message: 'is not an IP address' });
const duration = z.string().refine((s) => parseDuration(s) !== null, { message: 'is not a duration like 500ms, 2s, 5m or 1h' });
const positiveInt = (max: number) => z.number().int().min(1).max(max);
const hostname = z.string().regex(/^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/, { message: 'is not a host name' });
const cidr = z.string().refine((s) => {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(addr);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}, { message: 'is not a CIDR network like 192.0.2.0/24' });

/** The config file schema of DESIGN section 2: strict objects (unknown keys rejected), every field defaulted. */
export const configSchema = z.strictObject({
  web: z.strictObject({
    listen_address: z.string().refine((s) => parseListenAddress(s) !== null, { message: 'is not HOST:PORT' }).default('0.0.0.0:9808'),
    telemetry_path: z.string().regex(/^\/[^?#\s]*$/, { message: 'must be a path starting with /' }).default('/metrics'),
    config_file: z.string().default(''),
  }).prefault({}),
  dns: z.strictObject({
    servers: z.array(z.string().refine((s) => parseServerAddress(s) !== null, { message: 'is not HOST, HOST:PORT or [IPv6]:PORT with an IP address as HOST' })).default([]),
    timeout: duration.default('2s'),
    attempts: positiveInt(10).default(2),
  }).prefault({}),
  probe: z.strictObject({
    schedule: z.string().refine((s) => cron.validate(s), { message: 'is not a valid cron expression' }).default('*/5 * * * *'),
    concurrency: positiveInt(4096).default(32),
    run_on_start: z.boolean().default(true),
  }).prefault({}),
  targets: z.array(z.strictObject({
    ip: ipAddress,
    helo: hostname.optional(),
  })).default([]),
  discover: z.strictObject({
    interfaces: z.boolean().default(true),
    egress: z.boolean().default(true),
    egress_destinations: z.array(ipAddress).default(['2001:4860:4860::8888', '8.8.8.8']),
    from_logs: z.boolean().default(true),
  }).prefault({}),
  logs: z.array(z.strictObject({
    path: z.string().min(1, { message: 'must not be empty' }),
    format: z.enum(FORMAT_CHOICES, { message: `must be one of ${formatChoices}` }).default('auto'),
    start_at: z.enum(['end', 'beginning'], { message: 'must be end or beginning' }).default('end'),
    positions_file: z.string().default(''),
  })).optional(),
  limits: z.strictObject({
    max_targets: positiveInt(1_000_000).default(10000),
    max_sender_ips: positiveInt(100_000).default(64),
    max_label_length: positiveInt(4096).default(256),
  }).prefault({}),
  probe_endpoint: z.strictObject({
    enabled: z.boolean().default(false),
    allowed_networks: z.array(cidr).default([]),
  }).prefault({}),
});

/** The config file as written (snake_case keys, defaults applied). */
export type ConfigFile = z.infer<typeof configSchema>;
