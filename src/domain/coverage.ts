/**
 * Coverage of an organization as the last sync saw it: which aggregator sources failed or are
 * outdated, and which accounts and regions report no Config rule at all. One wording for the
 * dashboard, the API and the daily report.
 */

/** `account/region` strings (as the reconciler reports them) → "3 accounts in 2 regions report no rules". */
export function withoutRulesSentence(withoutRules: readonly string[]): string | null {
  if (withoutRules.length === 0) return null;
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const source of withoutRules) {
    const slash = source.indexOf('/');
    accounts.add(slash === -1 ? source : source.slice(0, slash));
    regions.add(slash === -1 ? '' : source.slice(slash + 1));
  }
  const a = accounts.size;
  const r = regions.size;
  return `${a} ${a === 1 ? 'account' : 'accounts'} in ${r} ${r === 1 ? 'region' : 'regions'} ${a === 1 ? 'reports' : 'report'} no rules`;
}

/** "2 aggregator sources failed or are outdated", or null when every source is healthy. */
export function unhealthySourcesSentence(unhealthy: number): string | null {
  if (unhealthy === 0) return null;
  return `${unhealthy} aggregator ${unhealthy === 1 ? 'source' : 'sources'} failed or ${unhealthy === 1 ? 'is' : 'are'} outdated`;
}
