import type { Logger } from '../logger.js';
import { describeAddresses, EXAMPLE_PUBLIC_IP, noPublicAddress } from '../targets/public-address.js';
import type { Target } from '../targets/target.js';

/**
 * Tells the operator, once at start and again after a reload that changes it, when discovery found no
 * address used on the Internet and no target is configured or learned (typically a host behind NAT).
 * The first cycle after start or reload decides; later cycles only update what the status page shows.
 */
export class PublicAddressNotice {
  private latest = false;
  private checkNext = true;
  private warned = false;

  constructor(private readonly logger: Logger) {}

  /** The next cycle's discovery decides again (after a reload). */
  rearm(): void {
    this.checkNext = true;
  }

  /** Reads one cycle's targets; logs at warn when this decides that no public address is known. */
  observe(targets: readonly Target[]): void {
    this.latest = noPublicAddress(targets);
    if (!this.checkNext) return;
    this.checkNext = false;
    if (this.latest && !this.warned) {
      this.logger.warn('no public sending address found: this host has only addresses that are not used on the Internet, so receivers never see them and nothing is probed', {
        addresses: describeAddresses(targets),
        fix: `A mail server behind NAT sends from its router's public address: add it to the config file as targets: [{ ip: ${EXAMPLE_PUBLIC_IP} }] `
          + '(an example address: use yours) and reload, or check an address now with: ptr-exporter probe IP',
      });
    }
    this.warned = this.latest;
  }

  /** True when the latest discovery found no public address and no target is configured or learned. */
  noPublicAddress(): boolean {
    return this.latest;
  }
}
