/**
 * CORS of the API for the hosted dashboard: in AWS the page is served by CloudFront and calls the
 * dashboard API on another origin (execute-api). API Gateway answers the preflight itself (mock
 * integration), but with a Lambda proxy integration the function must add
 * `Access-Control-Allow-Origin` to its own responses. Only the page's origins are answered; any
 * other origin gets no CORS header, so a browser keeps the response from its script. Locally the
 * page and the API share one origin and no origin is configured: no CORS at all.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * Environment variable of the API function: the dashboard origins (`https://host`, comma-separated)
 * the app answers CORS for. Set by infra (the Api construct), read by src/handlers/api.config.ts.
 */
export const DASHBOARD_ORIGINS_ENV = 'DASHBOARD_ALLOWED_ORIGINS';

/** Request headers the page sends cross-origin: the Cognito ID token and the media type it accepts. */
export const DASHBOARD_CORS_HEADERS = ['Authorization', 'Accept', 'Content-Type'] as const;
/**
 * Response headers the page may read cross-origin: `Link` holds the next page of a CSV export
 * (`GET /violations`), `x-request-id` the id an error message quotes.
 */
export const DASHBOARD_CORS_EXPOSED_HEADERS = ['Link', 'x-request-id'] as const;
/** The API is read-only. */
export const DASHBOARD_CORS_METHODS = ['GET', 'OPTIONS'] as const;
/** How long a browser may keep a preflight answer, in seconds. */
export const DASHBOARD_CORS_MAX_AGE_SECONDS = 3600;

/**
 * Whether `value` is a serialized origin as browsers send it in `Origin`: scheme, host and an
 * optional port, no path, no trailing slash (`https://d111.cloudfront.net`).
 */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * The CORS middleware for `origins`: `Access-Control-Allow-Origin: <origin>` only when the request's
 * `Origin` is one of them (compared exactly), `Vary: Origin` on every response so a cache never
 * serves one origin's answer to another. No credentials: the page sends its token in a header.
 */
export function dashboardCors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: [...DASHBOARD_CORS_METHODS],
    allowHeaders: [...DASHBOARD_CORS_HEADERS],
    exposeHeaders: [...DASHBOARD_CORS_EXPOSED_HEADERS],
    maxAge: DASHBOARD_CORS_MAX_AGE_SECONDS,
  });
}
