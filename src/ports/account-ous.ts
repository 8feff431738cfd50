/**
 * Where an account sits in the organization, for routes that match on OUs. AWS: AWS Organizations
 * (`ListParents`, src/adapters/organizations/organizations.account-ous.ts); locally: the `ou` of the
 * configuration's `accounts` map (src/adapters/organizations/accounts-map.account-ous.ts).
 */
export interface AccountOus {
  /**
   * The account's OU and every OU above it, nearest first, ending with the root when known; empty
   * when the account's place is unknown (not in the map, not in the organization). Rejects when the
   * directory cannot be read: the caller keeps the alerts pending rather than misroute them.
   */
  ousOf(account: string): Promise<readonly string[]>;
}
