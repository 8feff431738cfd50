/**
 * The notifier's lookups for a round of pending alerts: each alert's AlertContext
 * (src/domain/alert-context.ts) from the routing configuration, the account's OUs and the resource's
 * record in the hot store, built by the pure alertContextOf (src/domain/routing.ts).
 *
 * Only what the configuration needs is looked up: OUs only when a route matches on OUs (one lookup
 * per account of the round, cached by the adapter), resource records for violations (the change
 * that caused them) and, when a route matches on tags, for resolutions too (one batch read per
 * round). A failed lookup rejects, and the notifier keeps the alerts pending.
 */
import type { AlertContext } from '../domain/alert-context.js';
import type { Alert } from '../domain/compliance-state.js';
import type { ResourceKey, ResourceRecord } from '../domain/resource-record.js';
import { resourceKeyId } from '../domain/resource-record.js';
import { alertContextOf, routesUseOus, routesUseTags } from '../domain/routing.js';
import type { RoutingConfig } from '../domain/routing-config.js';
import type { AccountOus } from '../ports/account-ous.js';
import type { ResourceStore } from '../ports/resource-records.js';
import type { AlertContextSource } from './deliver-alerts.js';

export interface AlertContextsDeps {
  readonly routing: RoutingConfig;
  /** @default - no OU known: routes on OUs never match */
  readonly ous?: AccountOus;
  /** @default - no resource known: routes on tags never match, no change is shown */
  readonly resources?: Pick<ResourceStore, 'getMany'>;
}

/** Parallel OU lookups at most (a round spans few accounts; the adapter caches them). */
const OU_CONCURRENCY = 8;

export function createAlertContexts(deps: AlertContextsDeps): AlertContextSource {
  const useOus = deps.ous !== undefined && routesUseOus(deps.routing);
  const useTags = routesUseTags(deps.routing);
  return {
    async contextsFor(alerts: readonly Alert[]): Promise<AlertContext[]> {
      const [ousByAccount, records] = await Promise.all([
        useOus
          ? lookUpOus(deps.ous as AccountOus, alerts)
          : Promise.resolve(new Map<string, readonly string[]>()),
        deps.resources
          ? lookUpRecords(deps.resources, alerts, useTags)
          : Promise.resolve(new Map<string, ResourceRecord>()),
      ]);
      return alerts.map((alert) =>
        alertContextOf(alert, deps.routing, {
          ous: ousByAccount.get(alert.account) ?? [],
          record: records.get(resourceKeyId(alert)),
        }),
      );
    },
  };
}

async function lookUpOus(ous: AccountOus, alerts: readonly Alert[]): Promise<Map<string, readonly string[]>> {
  const accounts = [...new Set(alerts.map((a) => a.account))];
  const out = new Map<string, readonly string[]>();
  for (let i = 0; i < accounts.length; i += OU_CONCURRENCY) {
    const slice = accounts.slice(i, i + OU_CONCURRENCY);
    const found = await Promise.all(slice.map((account) => ous.ousOf(account)));
    for (const [k, account] of slice.entries()) out.set(account, found[k] ?? []);
  }
  return out;
}

async function lookUpRecords(
  store: Pick<ResourceStore, 'getMany'>,
  alerts: readonly Alert[],
  forResolutions: boolean,
): Promise<Map<string, ResourceRecord>> {
  const keys = new Map<string, ResourceKey>();
  for (const alert of alerts) {
    if (alert.kind !== 'violation' && !forResolutions) continue;
    const key = {
      account: alert.account,
      region: alert.region,
      resourceType: alert.resourceType,
      resourceId: alert.resourceId,
    };
    keys.set(resourceKeyId(key), key);
  }
  const list = [...keys.values()];
  if (list.length === 0) return new Map();
  const records = await store.getMany(list);
  const out = new Map<string, ResourceRecord>();
  list.forEach((key, i) => {
    const record = records[i];
    if (record) out.set(resourceKeyId(key), record);
  });
  return out;
}
