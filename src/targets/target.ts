import type { AddressKind, Family } from './address.js';

/** Where a target came from, best first when one IP comes from several sources. */
export const SOURCES = ['config', 'egress', 'log', 'interface'] as const;
export type TargetSource = (typeof SOURCES)[number];

/** A probe target with its provenance. */
export interface Target {
  ip: string;
  family: Family;
  helo: string | null;
  source: TargetSource;
  kind: AddressKind;
  /** False for discovered addresses that are not globally routable: shown, not probed. */
  probed: boolean;
}
