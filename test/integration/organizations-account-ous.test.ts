/**
 * The OU lookup of the notifier with the real OrganizationsClient against a local stand-in of
 * ListParents (JSON 1.1): the chain up to the root, the cache and its TTL, an account outside the
 * organization, and errors that must reach the notifier (so it keeps the alerts pending).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOrganizationsClient,
  OrganizationsAccountOus,
} from '../../src/adapters/organizations/organizations.account-ous.js';
import {
  LIST_PARENTS_TARGET,
  type OrganizationsStandIn,
  startOrganizationsStandIn,
} from '../helpers/organizations-server.js';

const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-work0001';
const PROD = 'ou-ab12-prod0001';
const ACCOUNT = '111111111111';

const open: { standIn: OrganizationsStandIn; destroy: () => void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.destroy();
    await o.standIn.close();
  }
});

async function setup(ttlMs = 60_000) {
  const standIn = await startOrganizationsStandIn({
    [ACCOUNT]: PROD,
    [PROD]: WORKLOADS,
    [WORKLOADS]: ROOT,
    '222222222222': ROOT,
  });
  const client = createOrganizationsClient({
    endpoint: standIn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  open.push({ standIn, destroy: () => client.destroy() });
  const time = { now: 0 };
  const ous = new OrganizationsAccountOus(client, { ttlMs, clock: () => time.now });
  return { standIn, ous, time };
}

describe('OrganizationsAccountOus (stand-in of ListParents)', () => {
  it('walks ListParents from the account up to the root, nearest first', async () => {
    // Prepare
    const { standIn, ous } = await setup();

    // Act
    const chain = await ous.ousOf(ACCOUNT);

    // Assess
    expect(chain).toEqual([PROD, WORKLOADS, ROOT]);
    expect(standIn.requests).toEqual([
      { target: LIST_PARENTS_TARGET, childId: ACCOUNT },
      { target: LIST_PARENTS_TARGET, childId: PROD },
      { target: LIST_PARENTS_TARGET, childId: WORKLOADS },
    ]);
  });

  it('asks once per id within the TTL (also for concurrent lookups), again after it', async () => {
    // Prepare
    const { standIn, ous, time } = await setup(60_000);

    // Act
    await Promise.all([ous.ousOf(ACCOUNT), ous.ousOf(ACCOUNT), ous.ousOf(ACCOUNT)]);
    await ous.ousOf('222222222222');
    const cachedRequests = standIn.requests.length;
    standIn.setParent(ACCOUNT, WORKLOADS); // the account moves
    time.now += 59_000;
    const before = await ous.ousOf(ACCOUNT);
    time.now += 2_000;
    const after = await ous.ousOf(ACCOUNT);

    // Assess
    expect(cachedRequests).toBe(4);
    expect(before).toEqual([PROD, WORKLOADS, ROOT]);
    expect(after).toEqual([WORKLOADS, ROOT]);
  });

  it('an account outside the organization has no OUs', async () => {
    const { ous } = await setup();
    expect(await ous.ousOf('999999999999')).toEqual([]);
  });

  it('rejects on a throttle or a server error, and does not cache the failure', async () => {
    // Prepare
    const { standIn, ous } = await setup();
    standIn.failNext(1, 'TooManyRequestsException');

    // Act / Assess
    await expect(ous.ousOf(ACCOUNT)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    standIn.failNext(1, 'ServiceException');
    await expect(ous.ousOf(ACCOUNT)).rejects.toThrow();
    expect(await ous.ousOf(ACCOUNT)).toEqual([PROD, WORKLOADS, ROOT]);
  });
});
