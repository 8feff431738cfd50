// config-monitor dashboard: sign-in for the page hosted in AWS (CloudFront + Cognito). Plain ES
// module, no dependency. It is only active when ./config.json exists: the master stack writes it
// next to index.html (infra/constructs/dashboard-hosting.ts, DashboardRuntimeConfig); the local
// server of `config-monitor up` answers 404 for it, and the page then calls its own origin's API
// without any token, as it always did.
//
// In AWS: the authorization code grant with PKCE against the Cognito hosted UI (a public client,
// no secret). The state parameter ties the answer to the sign-in this tab started; tokens live in
// sessionStorage (this tab only, gone when it closes); API requests carry the ID token in
// Authorization, which the dashboard API's Cognito authorizer checks.
// https://docs.aws.amazon.com/cognito/latest/developerguide/using-pkce-in-authorization-code.html
// https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html

export const CONFIG_URL = './config.json';
const TOKENS_KEY = 'config-monitor.tokens';
const PENDING_KEY = 'config-monitor.sign-in';
/** Renew the ID token this long before it expires, so a request never carries a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
/** A 401 this soon after an interactive sign-in is a configuration fault, not an expired session. */
const FRESH_SIGN_IN_MS = 60_000;

/** Sign-in failed in a way another redirect would not fix; the message says what to do. */
export class AuthError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AuthError';
  }
}

/**
 * The runtime configuration from ./config.json, or null when there is none (404: the local
 * server). Any other failure is an error: a half-configured page must not fall back to calling
 * its own origin.
 */
export async function loadRuntimeConfig() {
  const response = await fetch(CONFIG_URL, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw new AuthError(`could not read config.json (HTTP ${response.status})`);
  const config = await response.json();
  const auth = config?.auth;
  const https = (value) => typeof value === 'string' && /^https:\/\/[^\s/]+/.test(value);
  if (!https(config?.apiUrl) || !https(auth?.domain) || typeof auth?.clientId !== 'string') {
    throw new AuthError('config.json lacks apiUrl, auth.domain or auth.clientId; redeploy the master stack');
  }
  return {
    apiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/`,
    auth: {
      domain: auth.domain.replace(/\/+$/, ''),
      clientId: auth.clientId,
      scopes: Array.isArray(auth.scopes) && auth.scopes.length > 0 ? auth.scopes : ['openid'],
      identityProvider: typeof auth.identityProvider === 'string' ? auth.identityProvider : null,
    },
  };
}

// ------------------------------------------------------------------------------------------------
// PKCE (RFC 7636) and random values

function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** `bytes` random bytes as base64url (32 bytes: 43 characters, the PKCE minimum). */
export function randomToken(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

// ------------------------------------------------------------------------------------------------
// Storage (sessionStorage: this tab only)

function read(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function write(key, value) {
  if (value === null) sessionStorage.removeItem(key);
  else sessionStorage.setItem(key, JSON.stringify(value));
}

/** The claims of a JWT (not verified: the API's authorizer verifies; the page only shows the e-mail). */
function claimsOf(jwt) {
  try {
    const payload = jwt.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')));
  } catch {
    return {};
  }
}

/** When the ID token expires: its `exp` claim, else the token endpoint's `expires_in`. */
function expiryOf(answer) {
  const exp = Number(claimsOf(answer.id_token).exp);
  return Number.isFinite(exp) && exp > 0 ? exp * 1000 : Date.now() + Number(answer.expires_in ?? 3600) * 1000;
}

function keepTokens(answer, previous) {
  const tokens = {
    idToken: answer.id_token,
    // A refresh answer has no new refresh token: keep the one of the sign-in.
    refreshToken: answer.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: expiryOf(answer),
    signedInAt: previous?.signedInAt ?? Date.now(),
  };
  write(TOKENS_KEY, tokens);
  return tokens;
}

// ------------------------------------------------------------------------------------------------
// The hosted UI

/** Where the hosted UI sends the browser back: the page's root (a callback URL of the app client). */
function redirectUri() {
  return `${location.origin}/`;
}

// The page's requests run in parallel: one 401 or one expiry must start one sign-in (one saved
// state, one navigation) and one renewal, not one per request.
let signingIn = null;
let renewing = null;
/** Set once the API refused a fresh sign-in: no request of this page starts another. */
let refusedFreshSignIn = false;

/**
 * Sends the browser to the hosted UI. Saves the state, the code verifier and the filters (the
 * hash) to come back to. With federation the identity provider is asked for at once; a user of
 * the pool itself (an administrator created with admin-create-user) opens the page with
 * `#signin=cognito` to get the hosted UI's own form. Never resolves: the page unloads.
 */
export function signIn(config) {
  signingIn ??= redirectToSignIn(config);
  return signingIn;
}

async function redirectToSignIn(config) {
  const state = randomToken();
  const verifier = randomToken(48);
  write(PENDING_KEY, { state, verifier, hash: location.hash });
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.auth.clientId,
    redirect_uri: redirectUri(),
    scope: config.auth.scopes.join(' '),
    state,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const local = new URLSearchParams(location.hash.slice(1)).get('signin') === 'cognito';
  if (config.auth.identityProvider && !local) params.set('identity_provider', config.auth.identityProvider);
  location.assign(`${config.auth.domain}/oauth2/authorize?${params}`);
  return new Promise(() => {});
}

async function tokenRequest(config, fields) {
  const response = await fetch(`${config.auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: config.auth.clientId, ...fields }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.id_token !== 'string') {
    throw new AuthError(
      `the sign-in service refused the token request (${body.error ?? `HTTP ${response.status}`})`,
    );
  }
  return body;
}

/**
 * Finishes a sign-in when the URL carries the hosted UI's answer (`?code=…&state=…` or
 * `?error=…`): checks the state against the one this tab saved, exchanges the code with the
 * verifier, and puts the filters back in the URL. Returns false when the URL carries no answer.
 */
async function completeSignIn(config) {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  const error = query.get('error');
  if (code === null && error === null) return false;
  const pending = read(PENDING_KEY);
  write(PENDING_KEY, null);
  // The code is single-use and the state is spent: neither stays in the address bar or history.
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (error !== null) {
    throw new AuthError(`sign-in failed: ${query.get('error_description') ?? error}`);
  }
  if (!pending || typeof pending.state !== 'string' || pending.state !== query.get('state')) {
    throw new AuthError('the sign-in answer does not belong to a sign-in this tab started (state mismatch)');
  }
  const answer = await tokenRequest(config, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  keepTokens(answer, null);
  return true;
}

/** A valid ID token: the stored one, else one renewed with the refresh token; null when neither. */
async function idToken(config) {
  const tokens = read(TOKENS_KEY);
  if (!tokens) return null;
  if (typeof tokens.idToken === 'string' && tokens.expiresAt - EXPIRY_MARGIN_MS > Date.now()) {
    return tokens.idToken;
  }
  if (!tokens.refreshToken) return null;
  renewing ??= renew(config, tokens).finally(() => {
    renewing = null;
  });
  return renewing;
}

async function renew(config, tokens) {
  try {
    const answer = await tokenRequest(config, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    return keepTokens(answer, tokens).idToken;
  } catch {
    write(TOKENS_KEY, null);
    return null;
  }
}

/**
 * The page's session. `null` without ./config.json (the local server: same-origin API, no
 * tokens). Otherwise `{ apiUrl, fetch, user, signOutUrl, signOut }`: `fetch(url)` sends the ID
 * token and, on 401, renews it or signs in again. When the user must sign in first this sends the
 * browser to the hosted UI and never resolves. Throws {@link AuthError} when sign-in failed.
 */
export async function startSession() {
  const config = await loadRuntimeConfig();
  if (config === null) return null;
  await completeSignIn(config);
  if ((await idToken(config)) === null) await signIn(config);

  async function authorizedFetch(url, init = {}) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await idToken(config);
      if (token === null) await signIn(config);
      const response = await fetch(url, { ...init, headers: { ...init.headers, authorization: token } });
      if (response.status !== 401) return response;
      const tokens = read(TOKENS_KEY);
      if (attempt === 0 && tokens?.refreshToken) {
        // Expired or revoked ID token: renew it once and try again (unless a parallel request
        // already replaced the token this one carried).
        if (tokens.idToken === token) write(TOKENS_KEY, { ...tokens, idToken: null, expiresAt: 0 });
        continue;
      }
      write(TOKENS_KEY, null);
      if (refusedFreshSignIn || (tokens && Date.now() - tokens.signedInAt < FRESH_SIGN_IN_MS)) {
        // Signing in again would loop through the hosted UI; say what is wrong instead.
        refusedFreshSignIn = true;
        throw new AuthError('the API refused a fresh sign-in (401): check the dashboard API authorizer');
      }
      await signIn(config);
    }
    throw new AuthError('the API refused the renewed sign-in (401)');
  }

  const logout = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: redirectUri() });
  const claims = claimsOf(read(TOKENS_KEY)?.idToken ?? '');
  return {
    apiUrl: config.apiUrl,
    fetch: authorizedFetch,
    user: typeof claims.email === 'string' ? claims.email : null,
    signOutUrl: `${config.auth.domain}/logout?${logout}`,
    /** Forgets the tokens of this tab and revokes the refresh token (best effort) before the hosted UI's logout. */
    signOut() {
      const tokens = read(TOKENS_KEY);
      write(TOKENS_KEY, null);
      if (tokens?.refreshToken) {
        fetch(`${config.auth.domain}/oauth2/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: tokens.refreshToken, client_id: config.auth.clientId }),
          keepalive: true,
        }).catch(() => {});
      }
    },
  };
}
