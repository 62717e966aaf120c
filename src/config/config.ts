import type { z } from 'zod';
import type { configSchema, targetSchema } from './schema.js';

export type { LogSource } from './schema.js';

/** The validated config the exporter runs on: the config schema's output (durations in milliseconds). */
export type Config = z.output<ReturnType<typeof configSchema>>;

/** A configured probe target, normalised. */
export type ConfiguredTarget = z.output<typeof targetSchema>;
