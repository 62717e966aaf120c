import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import type { HostFiles } from './default-logs.js';

/** This host's file system, read synchronously (config loading is synchronous). */
export const hostFiles: HostFiles = {
  exists: (p) => existsSync(p),
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  readable: (p) => {
    try {
      accessSync(p, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
};
