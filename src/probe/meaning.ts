import type { Family } from '../targets/address.js';
import type { ProbeStatus } from './types.js';

/** What a probe status means, in a few words ("no PTR record"), shared by the status page, its banner and `doctor`. */
export function statusMeaning(status: ProbeStatus, family: Family): string {
  switch (status) {
    case 'pass': return 'forward-confirmed';
    case 'no_ptr': return 'no PTR record';
    case 'no_forward': return `PTR name has no ${family === 'ipv6' ? 'AAAA' : 'A'} record`;
    case 'mismatch': return 'PTR name resolves to other addresses';
    case 'helo_mismatch': return 'PTR name does not match the HELO name';
    case 'temperror': return 'DNS check failed: result unknown';
  }
}
