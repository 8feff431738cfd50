/** LevelDB open options set for dynalite's and kinesalite's stores (see leveldb-bounds.mjs). */
export declare const LEVELDB_OPEN_OPTIONS: Readonly<{ maxOpenFiles: number; maxFileSize: number }>;
/** The options of kinesalite's store (see leveldb-bounds.mjs). */
export declare const STREAM_LEVELDB_OPEN_OPTIONS: Readonly<{
  maxOpenFiles: number;
  maxFileSize: number;
  writeBufferSize: number;
}>;
/** Bounds the memory of the LevelDB stores under dynalite and kinesalite; idempotent. */
export declare function boundLevelDb(): void;
