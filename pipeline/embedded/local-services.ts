/**
 * Starts kinesalite and dynalite, the real AWS wire protocols on LevelDB, bound to 127.0.0.1.
 * With a directory they persist there; without one they keep everything in memory (tests).
 */

import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import { boundLevelDb } from './leveldb-bounds.mjs';

export interface LocalService {
  readonly endpoint: string;
  close(): Promise<void>;
  /**
   * Calls `listener` once if the service stops by itself (its thread died); never after close().
   * In-process servers never do. @returns the unsubscribe function
   */
  onStopped?(listener: (error: Error) => void): () => void;
}

async function listen(server: Server, port: number): Promise<LocalService> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** dynalite; `path` is a LevelDB directory (created if missing), omitted for in-memory. Port 0 picks a free one. */
export async function startDynalite(options: { path?: string; port?: number } = {}): Promise<LocalService> {
  boundLevelDb();
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  return listen(server, options.port ?? 0);
}

/** kinesalite; `path` is a LevelDB directory (created if missing), omitted for in-memory. Port 0 picks a free one. */
export async function startKinesalite(options: { path?: string; port?: number } = {}): Promise<LocalService> {
  boundLevelDb();
  if (options.path) mkdirSync(options.path, { recursive: true });
  const server = kinesalite({
    ...(options.path ? { path: options.path } : {}),
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  }) as Server;
  return listen(server, options.port ?? 0);
}
