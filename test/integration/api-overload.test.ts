/**
 * A burst of `GET /events` without an account (each fans out into 8 shards × the days of
 * retention) against the API of `up`: before, about 100 concurrent requests gave 40-98 % 500s
 * (socket timeouts on the stack's one shared client) and starved the consumer on that client.
 * Now the API has its own client and read budget: every answer is a 200 or a 503 with
 * Retry-After, and the consumer keeps processing meanwhile.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedStack, startEmbeddedStack } from '../../pipeline/embedded/stack.js';
import { type LocalServer, startStackServer } from '../../pipeline/server/local-server.js';
import { fixture } from '../helpers/fixtures.js';

let stack: EmbeddedStack;
let server: LocalServer;
const errors: string[] = [];

beforeAll(async () => {
  stack = await startEmbeddedStack({
    dataDir: mkdtempSync(join(tmpdir(), 'api-overload-')),
    messageLog: () => {},
  });
  server = await startStackServer(stack, 0, (line) => errors.push(line));
});

afterAll(async () => {
  await server?.close();
  await stack?.close();
});

describe('the API of `up` under a burst of requests', () => {
  it('answers 200 or 503 with Retry-After, never 500, and the consumer keeps up', {
    timeout: 90_000,
  }, async () => {
    // Prepare
    const event = fixture('compliance-change', 'first-evaluation') as { id: string };
    // Act: 100 concurrent reads of the whole organization, and a publish in the middle of them.
    const burst = Array.from({ length: 100 }, () => fetch(`${server.url}/events?limit=50`));
    const published = stack
      .publish([{ ...event, id: 'burst-event-1' }])
      .then(() => stack.waitUntilProcessed());
    const answers = await Promise.all(burst);
    await published;
    // Assess
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    for (const res of answers.filter((r) => r.status === 503)) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ error: 'overloaded' });
    }
    expect(errors.filter((line) => !line.includes('the API is busy'))).toEqual([]);
    // A client that honours Retry-After gets its answer once the burst has drained.
    let after = await fetch(`${server.url}/events?limit=5`);
    for (let attempt = 0; after.status === 503 && attempt < 20; attempt++) {
      await new Promise((r) => setTimeout(r, Number(after.headers.get('retry-after')) * 1000));
      after = await fetch(`${server.url}/events?limit=5`);
    }
    expect(after.status).toBe(200);
    expect(((await after.json()) as { items: { id: string }[] }).items.map((e) => e.id)).toContain(
      'burst-event-1',
    );
  });
});
