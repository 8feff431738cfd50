/**
 * What the configuration's accounts map (src/domain/routing-config.ts: id → name, OU, owner) adds
 * to the API's rows: the account's name and owner beside its id, null for an account the map does
 * not list. Names and owners are operator text, shown escaped like any other text.
 */
import type { AccountInfo } from '../domain/routing-config.js';

/** The accounts map: account id → what the configuration says of it. */
export type AccountDirectory = Readonly<Record<string, AccountInfo>>;

function entryOf(accounts: AccountDirectory | undefined, account: string): AccountInfo | undefined {
  // Own keys only: an id is data, never a property of Object.prototype.
  return accounts !== undefined && Object.hasOwn(accounts, account) ? accounts[account] : undefined;
}

/** The account's name in the map, or null. */
export function accountNameOf(accounts: AccountDirectory | undefined, account: string): string | null {
  return entryOf(accounts, account)?.name ?? null;
}

/** `account_name` and `owner` of an account, both null when the map does not list it. */
export function accountFields(
  accounts: AccountDirectory | undefined,
  account: string,
): { account_name: string | null; owner: string | null } {
  const entry = entryOf(accounts, account);
  return { account_name: entry?.name ?? null, owner: entry?.owner ?? null };
}
