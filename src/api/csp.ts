/**
 * The dashboard page's Content-Security-Policy, in one place: the local server of `config-monitor
 * up` sends {@link CONTENT_SECURITY_POLICY} with every static file, and the master stack's
 * CloudFront response headers policy sends {@link contentSecurityPolicy} with the API and the
 * Cognito hosted UI added to `connect-src` (the page calls them from another origin there).
 *
 * Everything the page needs comes from its own origin: no CDN, no inline script or style.
 */

/** Directive → sources, in the order they are written. */
export const DASHBOARD_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/**
 * The policy with `extraConnectSources` (for example `https://<api-id>.execute-api.<region>.amazonaws.com`)
 * appended to `connect-src`. Sources may be CDK tokens: the string is only joined.
 */
export function contentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return Object.entries(DASHBOARD_CSP_DIRECTIVES)
    .map(([directive, sources]) => {
      const all = directive === 'connect-src' ? [...sources, ...extraConnectSources] : sources;
      return `${directive} ${all.join(' ')}`;
    })
    .join('; ');
}

/** The policy of the page served from one origin with its API (the local server). */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();
