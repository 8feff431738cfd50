/**
 * An account's OU from the configuration's `accounts` map, for the embedded stack (no AWS
 * Organizations locally): the `ou` given for the account, or none. Only the OU named there is known,
 * not those above it, so a local route on a parent OU matches only accounts mapped to it directly.
 */
import type { RoutingConfig } from '../../domain/routing-config.js';
import type { AccountOus } from '../../ports/account-ous.js';

export function accountsMapOus(config: Pick<RoutingConfig, 'accounts'>): AccountOus {
  return {
    async ousOf(account) {
      const ou = Object.hasOwn(config.accounts, account) ? config.accounts[account]?.ou : undefined;
      return ou === undefined ? [] : [ou];
    },
  };
}
