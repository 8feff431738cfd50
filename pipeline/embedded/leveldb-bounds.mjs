// Bounds the memory of the LevelDB stores under dynalite and kinesalite. Neither library passes
// LevelDB options or closes what it opens the way abstract-level 3 expects, and both let the
// process's RSS grow with the size of the store (issue 10, item 3: a 1 GB ingest peaked at 2 GB
// and more, most of it LevelDB's). Plain JavaScript: the service worker loads it without a
// TypeScript loader. Idempotent; call it before the servers open their stores.
import { createRequire } from 'node:module';

/**
 * LevelDB maps each table file it keeps open (1,000 by default), and the pages read stay in the
 * process's resident set. At most 64 tables open (LevelDB's floor: 74 files with its own 10) of
 * 1 MiB instead of 2 (level-0 tables stay the size of the 4 MiB write buffer) bound what a store
 * maps at about 64 MiB whatever its size. A table read after it left the cache is opened again,
 * from the page cache.
 */
export const LEVELDB_OPEN_OPTIONS = Object.freeze({ maxOpenFiles: 74, maxFileSize: 1024 * 1024 });

/**
 * The stream's store (kinesalite) with tables of 512 KiB and level-0 tables of a 1 MiB write
 * buffer: it holds every record an ingest publishes until both consumers have read it (a 1 GB
 * input: 1.3 GB of base64 records), and its readers go through it in order, each shard's tables
 * read whole, so the 64 tables it keeps open were resident in full: 70 to 100 MB of the process's
 * RSS at the end of a 1 GB ingest, against a few MB for 25 MB. Sequential keys make its
 * compactions cheap however small the tables.
 */
export const STREAM_LEVELDB_OPEN_OPTIONS = Object.freeze({
  ...LEVELDB_OPEN_OPTIONS,
  maxFileSize: 512 * 1024,
  writeBufferSize: 1024 * 1024,
});

const require = createRequire(import.meta.url);
const fromDynalite = createRequire(require.resolve('dynalite'));
let bounded = false;

export function boundLevelDb() {
  if (bounded) return;
  bounded = true;

  // dynalite: level 10 → classic-level.
  const { ClassicLevel } = createRequire(fromDynalite.resolve('level'))('classic-level');
  const openClassic = ClassicLevel.prototype._open;
  ClassicLevel.prototype._open = function (options) {
    return openClassic.call(this, { ...options, ...LEVELDB_OPEN_OPTIONS });
  };

  // kinesalite: levelup over leveldown 5.
  const LevelDOWN = createRequire(require.resolve('kinesalite'))('leveldown');
  const openDown = LevelDOWN.prototype._open;
  LevelDOWN.prototype._open = function (options, callback) {
    return openDown.call(this, { ...options, ...STREAM_LEVELDB_OPEN_OPTIONS }, callback);
  };

  // dynalite's key and value streams close their iterator with `iterator.return()` when they end
  // or are destroyed, which abstract-level 3 iterators do not have: every Query, Scan and table
  // listing left its LevelDB iterator open until the store closed, pinning its memtable, its
  // version of the store and every table it read (a 40 s drain of a large outbox: 600 iterators,
  // 330 tables mapped, RSS 742 MB; closed: 462 MB). memory-level, dynalite's in-memory store, uses
  // the same classes.
  const modules = new Set(
    ['level', 'memory-level'].map((name) => createRequire(fromDynalite.resolve(name))('abstract-level')),
  );
  const iterators = [...modules].flatMap((m) => [
    m.AbstractIterator,
    m.AbstractKeyIterator,
    m.AbstractValueIterator,
  ]);
  for (const Iterator of iterators) {
    if (typeof Iterator.prototype.return === 'function') continue;
    Object.defineProperty(Iterator.prototype, 'return', {
      configurable: true,
      writable: true,
      value: async function () {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}
