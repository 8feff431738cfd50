/**
 * A local stand-in for AWS Organizations' `ListParents` over the AWS JSON 1.1 protocol (`POST /`,
 * `X-Amz-Target: AWSOrganizationsV20161128.ListParents`, `Content-Type: application/x-amz-json-1.1`),
 * so the real `OrganizationsClient` can be pointed at it. Shapes from
 * https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html: the answer is
 * `{ Parents: [{ Id, Type: ROOT | ORGANIZATIONAL_UNIT }] }`; an unknown child is a 400
 * `ChildNotFoundException`. Records every request; can fail the next ones with a throttle or a 500.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LIST_PARENTS_TARGET = 'AWSOrganizationsV20161128.ListParents';

export interface OrganizationsStandIn {
  readonly endpoint: string;
  /** Every request: its target and child id. */
  readonly requests: { target: string | undefined; childId: string | undefined }[];
  /** The next `n` requests fail with `error`. */
  failNext(n: number, error: 'TooManyRequestsException' | 'ServiceException'): void;
  /** Moves a child under another parent. */
  setParent(child: string, parent: string): void;
  close(): Promise<void>;
}

/** `parents`: child id (account or OU) → parent id (`r-…` is a root). */
export async function startOrganizationsStandIn(
  parents: Record<string, string>,
): Promise<OrganizationsStandIn> {
  const tree = new Map(Object.entries(parents));
  const requests: OrganizationsStandIn['requests'] = [];
  let failures: { left: number; error: string } = { left: 0, error: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'] as string | undefined;
      let body: { ChildId?: string } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {}
      requests.push({ target, childId: body.ChildId });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (failures.left > 0) {
        failures.left -= 1;
        const status = failures.error === 'ServiceException' ? 500 : 400;
        return send(status, { __type: failures.error, Message: 'stand-in failure' });
      }
      if (target !== LIST_PARENTS_TARGET) {
        return send(400, { __type: 'UnknownOperationException', Message: `unknown target ${target}` });
      }
      const parent = body.ChildId === undefined ? undefined : tree.get(body.ChildId);
      if (parent === undefined) {
        return send(400, {
          __type: 'ChildNotFoundException',
          Message:
            "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        });
      }
      send(200, {
        Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext(n, error) {
      failures = { left: n, error };
    },
    setParent(child, parent) {
      tree.set(child, parent);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
