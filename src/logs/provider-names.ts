import type { Provider } from './types.js';

const NAMES: Record<Provider, string> = {
  gmail: 'Gmail', microsoft: 'Microsoft', yahoo: 'Yahoo', apple: 'Apple', comcast: 'Comcast',
  united_internet: 'GMX/WEB.DE', t_online: 'T-Online', orange: 'Orange', free: 'Free', other: 'A receiver',
};

/** The name of a provider label for sentences ("Gmail refused ..."). */
export function providerName(provider: string): string {
  return NAMES[provider as Provider] ?? provider;
}
