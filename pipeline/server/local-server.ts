/**
 * The local HTTP server of `config-monitor up`: the same API app the Lambda serves, plus the
 * dashboard's static files, on 127.0.0.1 only.
 *
 * Bound to loopback, the server is still reachable from a web page the user visits through DNS
 * rebinding (a hostile name resolving to 127.0.0.1); requests whose Host is not a loopback name of
 * this port are refused for that reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { createDocumentClient } from '../../src/adapters/aws-clients.js';
import { EventQueryRepository } from '../../src/adapters/dynamodb/event-query.repository.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { OpenViolationRepository } from '../../src/adapters/dynamodb/open-violation.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { type ApiEnv, type ApiLogger, createApiApp } from '../../src/api/app.js';
import { CONTENT_SECURITY_POLICY } from '../../src/api/csp.js';
import { ReadBudget } from '../../src/api/read-budget.js';
import type { RoutingConfig } from '../../src/domain/routing-config.js';
import { localActor } from '../embedded/mute-store.js';
import type { EmbeddedStack } from '../embedded/stack.js';
import { loadApiTokenKey } from './token-key.js';

export const DEFAULT_PORT = 8787;
/** The repository's `dashboard/` folder. */
export const DASHBOARD_DIR = new URL('../../dashboard/', import.meta.url).pathname;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

export interface LocalServerOptions {
  /** The API app (`createApiApp`). */
  readonly app: Hono<ApiEnv>;
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** @default - the repository's dashboard/ */
  readonly dashboardDir?: string;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Reads the dashboard once: a handful of small files, served from memory. */
function loadDashboard(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) continue;
    files.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

/** Starts the server on 127.0.0.1; rejects (for example on EADDRINUSE) instead of exiting. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const files = loadDashboard(options.dashboardDir ?? DASHBOARD_DIR);
  let port = options.port ?? DEFAULT_PORT;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  let hosts = allowedHosts();

  const server = createAdaptorServer({
    hostname: '127.0.0.1',
    fetch: (request: Request) => {
      if (!hosts.has(request.headers.get('host') ?? '')) {
        return new Response(JSON.stringify({ error: 'forbidden', message: 'unexpected Host header' }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        });
      }
      const { pathname } = new URL(request.url);
      const file = request.method === 'GET' || request.method === 'HEAD' ? files.get(pathname) : undefined;
      if (file) {
        return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), {
          headers: {
            'content-type': file.type,
            'content-security-policy': CONTENT_SECURITY_POLICY,
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
            'cache-control': 'no-cache',
          },
        });
      }
      return options.app.fetch(request, {});
    },
  }) as Server;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  hosts = allowedHosts();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The port is taken: a message that says what to do, without a stack trace. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} on 127.0.0.1 is in use; choose another with --port`);
    this.name = 'PortInUseError';
  }
}

/** What the local configuration (`--config FILE`) gives the API. */
export interface StackServerOptions {
  /**
   * The routing section (`RoutingConfig`): its accounts map names the accounts in the API's rows
   * and the dashboard, its severity overrides decide `/violations` and `/events` severities.
   * @default - none: no account names, the catalog's severities
   */
  readonly routing?: Pick<RoutingConfig, 'accounts' | 'severityOverrides'> | null;
}

/**
 * The API + dashboard of `config-monitor up`: the app the Lambda serves, over the embedded stack's
 * hot store and its DuckDB engine. Only errors are logged (one line each, with the request id);
 * the per-request access log is for CloudWatch.
 */
export async function startStackServer(
  stack: Pick<EmbeddedStack, 'dataDir' | 'endpoints' | 'region' | 'tables' | 'queryEngine'>,
  port: number = DEFAULT_PORT,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  options: StackServerOptions = {},
): Promise<LocalServer> {
  const logger: ApiLogger = {
    info: () => undefined,
    error: (message, extra) => log(`api: ${message} ${JSON.stringify(extra ?? {})}`),
  };
  // The API's own client and read budget (src/api/read-budget.ts): its reads never take the
  // consumer's sockets, and under overload it answers 503 with Retry-After instead of timing out.
  const client = createDocumentClient({ endpoint: stack.endpoints.dynamodb, region: stack.region });
  const doc = new ReadBudget().wrap(client);
  const app = createApiApp({
    events: new EventQueryRepository(doc, stack.tables.events),
    syncStatus: new SyncStatusRepository(doc, stack.tables.events),
    openViolations: new OpenViolationRepository(doc, stack.tables.state),
    mutes: new MuteRepository(doc, stack.tables.mutes),
    // The server listens on loopback only: whoever reaches it is the user who ran `up`.
    localActor: localActor(),
    ...(options.routing
      ? { accounts: options.routing.accounts, severityOverrides: options.routing.severityOverrides }
      : {}),
    queryEngine: await stack.queryEngine(),
    // A secret of the data directory, not a constant: tokens cannot be forged (token-key.ts).
    tokenKey: await loadApiTokenKey(stack.dataDir),
    logger,
  });
  let server: LocalServer;
  try {
    server = await startLocalServer({ app, port });
  } catch (err) {
    client.destroy();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(port);
    throw err;
  }
  return {
    ...server,
    close: async () => {
      await server.close();
      client.destroy();
    },
  };
}
