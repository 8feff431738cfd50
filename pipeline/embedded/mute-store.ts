/**
 * The mute store of a data directory, for `config-monitor mute` and `report`: through the running
 * `up`'s dynalite when there is one (its next drain sees the change), else dynalite opened alone on
 * `<data-dir>/dynamodb` for the command (holding the data directory's lock) and closed at once. The
 * mutes table is created if missing (a data directory made before mutes existed).
 */
import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createDocumentClient, createDynamoClient } from '../../src/adapters/aws-clients.js';
import { ensureTables } from '../../src/adapters/dynamodb/create-tables.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { MUTES_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { lockDataDir } from './data-dir-lock.js';
import { startServiceThread } from './service-threads.js';
import { DEFAULT_REGION, DEFAULT_TABLE_PREFIX, dataDirLayout, readRunningStack } from './stack.js';

/** Who changes a mute on this machine: the OS user (`local:<name>`), as the audit log records it. */
export function localActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for the uid (a container): the uid is still someone.
    name = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return `local:${name}`;
}

/** Runs `work` with the data directory's mute store; `where` says which dynalite it reached. */
export async function withLocalMuteStore<T>(
  dataDir: string,
  work: (store: MuteRepository, where: { runningPid: number | null }) => Promise<T>,
): Promise<T> {
  const running = await readRunningStack(dataDir);
  if (running)
    return onEndpoint(running.dynamodb, running.region, running.tablePrefix, (store) =>
      work(store, { runningPid: running.pid }),
    );
  mkdirSync(dataDir, { recursive: true });
  // The data directory's lock first, as every opener of its LevelDB takes it (data-dir-lock.ts).
  const lock = await lockDataDir(dataDir);
  try {
    const service = await startServiceThread('dynalite', dataDirLayout(dataDir).dynamodb);
    try {
      return await onEndpoint(service.endpoint, DEFAULT_REGION, DEFAULT_TABLE_PREFIX, (store) =>
        work(store, { runningPid: null }),
      );
    } finally {
      await service.close();
    }
  } finally {
    await lock.release();
  }
}

async function onEndpoint<T>(
  endpoint: string,
  region: string,
  prefix: string,
  work: (store: MuteRepository) => Promise<T>,
): Promise<T> {
  const client = createDynamoClient({ endpoint, region });
  const doc = createDocumentClient({ endpoint, region });
  try {
    await ensureTables(client, prefix);
    return await work(new MuteRepository(doc, tableName(prefix, MUTES_TABLE)));
  } finally {
    client.destroy();
    doc.destroy();
  }
}
