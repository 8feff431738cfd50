/**
 * An account's OUs from AWS Organizations: `ListParents` from the account up to the root
 * (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html: "Lists the
 * root or organizational units (OUs) that serve as the immediate parent of the specified child OU or
 * account"; "a child can have only a single parent"; callable "only from the organization's
 * management account or by a member account that is a delegated administrator").
 *
 * Cached per child id with a bounded TTL (15 min by default): a warm notifier asks once per account
 * and once per OU above it, not once per alert, and an account moved to another OU is routed by its
 * new OU within the TTL. Concurrent lookups of one id share one request. An account that is not in
 * the organization (`ChildNotFoundException`) has no OUs (cached too); any other error rejects, so
 * the notifier keeps the alerts pending rather than send them to the default destination.
 */
import {
  ChildNotFoundException,
  ListParentsCommand,
  OrganizationsClient,
  type OrganizationsClientConfig,
} from '@aws-sdk/client-organizations';
import type { AccountOus } from '../../ports/account-ous.js';

/** Organizations nests OUs five levels deep at most, under one root. */
const MAX_DEPTH = 6;

export interface OrganizationsAccountOusOptions {
  /** How long a parent is remembered. @default 900000 (15 min) */
  readonly ttlMs?: number;
  /** @default - the system clock */
  readonly clock?: () => number;
}

interface Parent {
  readonly id: string;
  readonly root: boolean;
}

export class OrganizationsAccountOus implements AccountOus {
  private readonly cache = new Map<string, { until: number; parent: Promise<Parent | null> }>();
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly client: Pick<OrganizationsClient, 'send'>,
    options: OrganizationsAccountOusOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.clock = options.clock ?? Date.now;
  }

  async ousOf(account: string): Promise<readonly string[]> {
    const ous: string[] = [];
    let child = account;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const parent = await this.parentOf(child);
      if (parent === null) return ous;
      ous.push(parent.id);
      if (parent.root) return ous;
      child = parent.id;
    }
    return ous;
  }

  private parentOf(child: string): Promise<Parent | null> {
    const now = this.clock();
    const cached = this.cache.get(child);
    if (cached && cached.until > now) return cached.parent;
    const parent = this.listParent(child);
    this.cache.set(child, { until: now + this.ttlMs, parent });
    // A failed lookup is not remembered: the next drain asks again.
    parent.catch(() => {
      if (this.cache.get(child)?.parent === parent) this.cache.delete(child);
    });
    return parent;
  }

  private async listParent(child: string): Promise<Parent | null> {
    try {
      const out = await this.client.send(new ListParentsCommand({ ChildId: child }));
      const first = out.Parents?.[0];
      if (!first?.Id) return null;
      return { id: first.Id, root: first.Type === 'ROOT' };
    } catch (err) {
      if (err instanceof ChildNotFoundException) return null;
      throw err;
    }
  }
}

/**
 * A client for the notifier. Organizations is a global service: the SDK's endpoint rules send a
 * commercial region's calls to its one endpoint (organizations.us-east-1.amazonaws.com).
 */
export function createOrganizationsClient(config: OrganizationsClientConfig = {}): OrganizationsClient {
  return new OrganizationsClient({ maxAttempts: 3, ...config });
}
