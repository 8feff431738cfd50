/** Errors of the saved-query registry. Messages name the query, the value seen and what is allowed. */

export class SavedQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedQueryError';
  }
}

/** A `.sql` file whose header does not describe it correctly (a deployment bug, not a user error). */
export class SavedQueryDefinitionError extends SavedQueryError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`saved query ${file}: ${problem}`);
    this.name = 'SavedQueryDefinitionError';
  }
}

/** No saved query has this name. */
export class UnknownSavedQueryError extends SavedQueryError {
  constructor(
    readonly queryName: string,
    readonly known: readonly string[],
  ) {
    super(`unknown saved query "${queryName}"; known: ${known.join(', ')}`);
    this.name = 'UnknownSavedQueryError';
  }
}

/** Named parameters that do not fit the query's header: unknown, missing or of the wrong form. */
export class QueryParameterError extends SavedQueryError {
  constructor(
    readonly queryName: string,
    readonly parameter: string,
    problem: string,
  ) {
    super(`${queryName}: parameter "${parameter}" ${problem}`);
    this.name = 'QueryParameterError';
  }
}
