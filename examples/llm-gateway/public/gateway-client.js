// Credentials and calls to the gateway. The API key and admin token live in `session` (page
// memory), and in sessionStorage only when the reader asks; they are never logged.

const STORAGE_KEY = 'breakwater.playground.credentials';

/**
 * @typedef {{ name: string, breaker: string, mock: { failing: boolean } | null,
 *   price: { usd_per_input_token: number, usd_per_output_token: number } | null }} PlaygroundModel
 * @typedef {{ user_id: string, tier: string, anonymous: boolean, models: PlaygroundModel[],
 *   assistant: { default_mode: string, modes: string[] }, task_types: string[] }} Caller
 */

export const session = {
  apiKey: '',
  adminToken: '',
  /** Who the gateway says the caller is (`GET /api/playground`), once known. @type {Caller | null} */
  caller: null,
};

/** Reads credentials kept for this tab; true when there were some. */
export function restoreCredentials() {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (!saved) return false;
  try {
    const { apiKey, adminToken } = JSON.parse(saved);
    session.apiKey = typeof apiKey === 'string' ? apiKey : '';
    session.adminToken = typeof adminToken === 'string' ? adminToken : '';
    return true;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return false;
  }
}

/**
 * Takes new credentials; keeps them for the tab only when `remember` is set.
 * @param {{ apiKey: string, adminToken: string, remember: boolean }} credentials
 */
export function setCredentials(credentials) {
  session.apiKey = credentials.apiKey;
  session.adminToken = credentials.adminToken;
  if (credentials.remember) {
    const saved = { apiKey: session.apiKey, adminToken: session.adminToken };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

/**
 * Calls the gateway as the user (API key, or anonymous) or as the admin.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, as?: 'user' | 'admin' }} [options]
 */
export async function call(path, options = {}) {
  const token = options.as === 'admin' ? session.adminToken : session.apiKey;
  /** @type {Record<string, string>} */
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : undefined;
  return { response, body };
}

/** "403: The admin token is not valid." @param {{ status: number }} response @param {any} body */
export function describeFailure(response, body) {
  return `${response.status}: ${body?.detail ?? body?.title ?? 'no details'}`;
}

/** The model entry of `GET /api/playground` by name. @param {string} name */
export function modelNamed(name) {
  return session.caller?.models.find((model) => model.name === name);
}
