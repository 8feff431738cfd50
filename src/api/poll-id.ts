/**
 * The poll id of `GET /queries/:id`: the saved-query executions of a route that did not finish in
 * time, and what the route needs to shape their results, sealed (see tokens.ts).
 */
import { type } from 'arktype';
import { clip, InvalidParameterError } from './errors.js';
import { SEALED_TOKEN, seal, unseal } from './tokens.js';

/** The saved-query results a poll id stands for, and how to shape them once they are all done. */
export interface PendingQueries {
  /** Which route's response shape to build: a name of the saved-query route registry. */
  readonly route: string;
  /** Engine query id per saved-query role (for example `summary`, `score`). */
  readonly queries: Readonly<Record<string, string>>;
  /** The validated parameters the route ran with (needed to shape the response). */
  readonly params: Readonly<Record<string, string | null>>;
}

/** Athena execution ids are UUIDs, DuckDB's too; empty marks a query that had finished (query-runner.ts). */
const ENGINE_QUERY_ID = /^[A-Za-z0-9_-]{0,128}$/;
/** A route name; whether the registry has it is checked where the route is looked up. */
const ROUTE_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const pendingSchema = type({
  r: ROUTE_NAME,
  q: { '[string]': ENGINE_QUERY_ID },
  p: { '[string]': type(/^[^\u0000-\u001f\u007f]{0,800}$/).or('null') },
  '+': 'reject',
});

/** The opaque id of `GET /queries/:id` for queries that did not finish in time. */
export function encodePollId(pending: PendingQueries, key: string): string {
  return seal({ r: pending.route, q: pending.queries, p: pending.params }, 'poll', key);
}

/** The 400 of a poll id this API did not issue (or that was edited). */
export function invalidPollId(token: string): InvalidParameterError {
  return new InvalidParameterError(
    'id',
    `id must be a query id returned by this API (was ${JSON.stringify(clip(token))})`,
  );
}

/** Validates a poll id; any edit is a 400 naming `id`. */
export function decodePollId(token: string, key: string): PendingQueries {
  const invalid = () => invalidPollId(token);
  if (!SEALED_TOKEN.test(token)) throw invalid();
  const value = pendingSchema(unseal(token, 'poll', key));
  if (value instanceof type.errors) throw invalid();
  const roles = Object.keys(value.q);
  if (roles.length === 0 || roles.length > 4 || Object.keys(value.p).length > 8) throw invalid();
  return { route: value.r, queries: value.q, params: value.p };
}
