/**
 * The layout of a data directory: where each part of the embedded stack keeps its files. The one
 * place that names them, for the stack, the CLI and the tests.
 */
import { join } from 'node:path';

/** Paths of the data directory. */
export function dataDirLayout(dataDir: string) {
  return {
    kinesis: join(dataDir, 'kinesis'),
    dynamodb: join(dataDir, 'dynamodb'),
    checkpoints: join(dataDir, 'checkpoints'),
    rejected: join(dataDir, 'rejected'),
    outbox: join(dataDir, 'outbox'),
    archive: join(dataDir, 'archive'),
    endpoints: join(dataDir, 'endpoints.json'),
  };
}

export type DataDirLayout = ReturnType<typeof dataDirLayout>;
