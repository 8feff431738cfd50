/**
 * `<data-dir>/endpoints.json` names the running `up`. A file left behind by a crash whose pid was
 * since reused by another process must not make `up`, `ingest` or `sync` think the directory is in
 * use (before: they refused, or tried to talk to the stranger, until the file was deleted by hand).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunningStack, type StackEndpoints, startEmbeddedStack } from '../../pipeline/embedded/stack.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listeningPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function endpointsFile(dir: string, kinesisPort: number): StackEndpoints {
  const endpoints: StackEndpoints = {
    // pid 1 is always alive, and it is not config-monitor.
    pid: 1,
    startedAt: '2026-12-01T00:00:00.000Z',
    kinesis: `http://127.0.0.1:${kinesisPort}`,
    dynamodb: `http://127.0.0.1:${kinesisPort}`,
    region: 'us-east-1',
    tablePrefix: 'local',
    streamName: 'config-events',
    control: null,
    token: null,
    api: null,
  };
  writeFileSync(join(dir, 'endpoints.json'), JSON.stringify(endpoints));
  return endpoints;
}

describe('endpoints.json of a running up', () => {
  it('is ignored when its pid is alive but its stream endpoint does not answer (a reused pid)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
    endpointsFile(dir, await closedPort());

    expect(await readRunningStack(dir)).toBeNull();
    // And the directory can be opened: nothing holds it.
    const stack = await startEmbeddedStack({ dataDir: dir });
    await stack.close();
  });

  it('is used when its process is alive and its stream endpoint answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'endpoints-'));
    const written = endpointsFile(dir, await listeningPort());

    expect(await readRunningStack(dir)).toEqual(written);
  });
});
