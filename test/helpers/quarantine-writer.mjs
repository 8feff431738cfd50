// One writer of rejected records for the concurrent-quarantine test: run as a worker thread
// (workerData) or as a child process (argv). Plain JavaScript that loads the TypeScript adapter
// through tsx, as bin/config-monitor.js does.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { FileQuarantine } = await import('../../src/adapters/file/file.quarantine.ts');
const { quarantineRecords } = await import('./quarantine-records.ts');

const { dataDir, writer, count, batch } = isMainThread ? JSON.parse(process.argv[2]) : workerData;
const quarantine = new FileQuarantine(dataDir);
const records = quarantineRecords(writer, count);
// All batches at once, as the consumer's shards and an ingest put theirs.
const puts = [];
for (let i = 0; i < records.length; i += batch) puts.push(quarantine.put(records.slice(i, i + batch)));
await Promise.all(puts);
if (parentPort) parentPort.postMessage('done');
