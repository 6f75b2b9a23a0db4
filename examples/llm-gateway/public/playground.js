// The gateway's playground: a chat over the assistant WebSocket, live status, and buttons that
// provoke what Breakwater handles. Plain DOM, no build step; text is only ever set as text.

const POLL_INTERVAL_MS = 1000;
const STORAGE_KEY = 'breakwater.playground.credentials';
const ACTIVITY_ITEMS = 40;
const BURST_MAX = 150;

/** @param {string} id */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/**
 * Creates an element; string children become text nodes.
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {Array<Node | string>} [children]
 */
function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const ui = {
  app: byId('app'),
  credentials: /** @type {HTMLFormElement} */ (byId('credentials-form')),
  apiKey: /** @type {HTMLInputElement} */ (byId('api-key')),
  adminToken: /** @type {HTMLInputElement} */ (byId('admin-token')),
  remember: /** @type {HTMLInputElement} */ (byId('remember')),
  forget: byId('forget'),
  identity: byId('identity'),
  websocketMissing: byId('websocket-missing'),
  chat: /** @type {HTMLFormElement} */ (byId('chat-form')),
  model: /** @type {HTMLSelectElement} */ (byId('model')),
  mode: /** @type {HTMLInputElement} */ (byId('mode')),
  taskType: /** @type {HTMLInputElement} */ (byId('task-type')),
  message: /** @type {HTMLTextAreaElement} */ (byId('message')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  cancel: /** @type {HTMLButtonElement} */ (byId('cancel')),
  newSession: byId('new-session'),
  progress: /** @type {HTMLProgressElement} */ (byId('progress')),
  progressText: byId('progress-text'),
  reply: byId('reply'),
  replySummary: byId('reply-summary'),
  outageModel: /** @type {HTMLSelectElement} */ (byId('outage-model')),
  outage: /** @type {HTMLButtonElement} */ (byId('outage')),
  outageHelp: byId('outage-help'),
  burst: /** @type {HTMLButtonElement} */ (byId('burst')),
  resetQuota: /** @type {HTMLButtonElement} */ (byId('reset-quota')),
  burstResult: byId('burst-result'),
  quotaRows: byId('quota-rows'),
  tokensReserved: byId('tokens-reserved'),
  breakers: byId('breakers'),
  streams: byId('streams'),
  streamCount: byId('stream-count'),
  streamsEmpty: byId('streams-empty'),
  activity: byId('activity'),
  pollStatus: byId('poll-status'),
};

/**
 * @typedef {{ name: string, breaker: string, mock: { failing: boolean } | null,
 *   price: { usd_per_input_token: number, usd_per_output_token: number } | null }} PlaygroundModel
 * @typedef {{ user_id: string, tier: string, anonymous: boolean, models: PlaygroundModel[] }} Caller
 * @typedef {{ askedModel: string, streamId: string | null }} Turn
 */

const state = {
  // Credentials live in these two variables (and in sessionStorage only when asked to).
  apiKey: '',
  adminToken: '',
  /** @type {Caller | null} */
  caller: null,
  /** @type {WebSocket | null} */
  socket: null,
  /** @type {Turn | null} */
  turn: null,
  sessionId: newSessionId(),
  /** @type {Map<string, string>} breaker name → last state seen */
  breakerStates: new Map(),
  /** @type {Map<string, { item: HTMLElement, state: HTMLElement, detail: HTMLElement, reset: HTMLButtonElement }>} */
  breakerRows: new Map(),
  minuteRemaining: /** @type {number | null} */ (null),
  polling: false,
};

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 3,
});
const integer = new Intl.NumberFormat('en-US');

function newSessionId() {
  return `playground-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Adds a line to "What happened".
 * @param {string} text
 * @param {'info' | 'ok' | 'warn' | 'error'} [kind]
 */
function note(text, kind = 'info') {
  const time = new Date().toLocaleTimeString('en-GB');
  ui.activity.prepend(
    element('li', { class: `activity-${kind}` }, [element('time', {}, [time]), ` ${text}`]),
  );
  while (ui.activity.childElementCount > ACTIVITY_ITEMS) ui.activity.lastElementChild?.remove();
}

/**
 * Calls the gateway as the user (API key, or anonymous) or as the admin.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, as?: 'user' | 'admin' }} [options]
 */
async function call(path, options = {}) {
  const token = options.as === 'admin' ? state.adminToken : state.apiKey;
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

/** @param {{ status: number }} response @param {any} body */
function describeFailure(response, body) {
  return `${response.status}: ${body?.detail ?? body?.title ?? 'no details'}`;
}

// ——— Credentials ———

function restoreCredentials() {
  const saved = sessionStorage.getItem(STORAGE_KEY);
  if (!saved) return;
  try {
    const { apiKey, adminToken } = JSON.parse(saved);
    state.apiKey = typeof apiKey === 'string' ? apiKey : '';
    state.adminToken = typeof adminToken === 'string' ? adminToken : '';
    ui.apiKey.value = state.apiKey;
    ui.adminToken.value = state.adminToken;
    ui.remember.checked = true;
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

function useCredentials() {
  const keyChanged = ui.apiKey.value.trim() !== state.apiKey;
  state.apiKey = ui.apiKey.value.trim();
  state.adminToken = ui.adminToken.value.trim();
  if (ui.remember.checked) {
    const saved = { apiKey: state.apiKey, adminToken: state.adminToken };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(saved));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
  if (keyChanged) closeSocket();
  renderAdminControls();
  void loadCaller().then(poll);
}

function forgetCredentials() {
  ui.apiKey.value = '';
  ui.adminToken.value = '';
  ui.remember.checked = false;
  useCredentials();
}

function renderAdminControls() {
  const admin = state.adminToken !== '';
  const mocks = state.caller?.models.filter((model) => model.mock) ?? [];
  ui.outage.disabled = !admin || mocks.length === 0;
  ui.outageModel.disabled = mocks.length === 0;
  ui.outageHelp.textContent =
    mocks.length === 0
      ? 'No mock model is configured.'
      : admin
        ? 'Uses the admin token.'
        : 'Needs the admin token.';
  ui.resetQuota.disabled = !admin || !state.caller;
  for (const row of state.breakerRows.values()) row.reset.hidden = !admin;
  renderOutageButton();
}

// ——— Who is calling, and which models ———

async function loadCaller() {
  const answer = await call('/api/playground').catch(() => null);
  if (!answer) {
    state.caller = null;
    ui.identity.textContent = 'The gateway is not answering. Is it running?';
    return;
  }
  const { response, body } = answer;
  if (!response.ok) {
    state.caller = null;
    ui.identity.textContent = `The gateway refused these credentials (${describeFailure(response, body)}).`;
    return;
  }
  state.caller = body;
  ui.identity.textContent = body.anonymous
    ? `You are ${body.user_id}, tier ${body.tier} (no API key).`
    : `You are ${body.user_id}, tier ${body.tier}.`;
  const selected = ui.outageModel.value;
  ui.outageModel.replaceChildren(
    ...body.models
      .filter((/** @type {PlaygroundModel} */ model) => model.mock)
      .map((/** @type {PlaygroundModel} */ model) =>
        element('option', { value: model.name }, [model.name]),
      ),
  );
  if (selected) ui.outageModel.value = selected;
  renderAdminControls();
}

async function loadModels() {
  const answer = await call('/v1/models').catch(() => null);
  if (!answer) return;
  const { response, body } = answer;
  if (!response.ok) {
    note(`GET /v1/models answered ${describeFailure(response, body)}`, 'warn');
    return;
  }
  const options = body.data.map((/** @type {{ id: string }} */ model) =>
    element('option', { value: model.id }, [model.id]),
  );
  ui.model.replaceChildren(element('option', { value: '' }, ['Gateway default']), ...options);
}

/** @param {string} name */
function priceOf(name) {
  return state.caller?.models.find((model) => model.name === name)?.price ?? null;
}

// ——— Chat over the assistant WebSocket ———

/** The message the original design's client sends. */
function assistantRequest() {
  return {
    user_id: state.caller?.user_id,
    message: ui.message.value,
    mode: ui.mode.value.trim() || 'stream',
    task_type: ui.taskType.value.trim() || 'chat',
    ...(ui.model.value ? { model: ui.model.value } : {}),
  };
}

/** @returns {Promise<WebSocket>} */
function openSocket() {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    return Promise.resolve(state.socket);
  }
  const url = new URL(`/ws/assistant/${encodeURIComponent(state.sessionId)}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (state.apiKey) url.searchParams.set('api_key', state.apiKey);
  const socket = new WebSocket(url);
  state.socket = socket;
  return new Promise((resolve, reject) => {
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      resolve(socket);
    });
    socket.addEventListener('message', (event) => onServerMessage(JSON.parse(event.data)));
    socket.addEventListener('close', (event) => {
      if (state.socket === socket) state.socket = null;
      if (!opened) {
        reject(
          new Error(
            'The WebSocket could not open: the gateway refused it (a wrong API key, or this ' +
              'page’s origin is not on its allowlist) or it is not running.',
          ),
        );
      } else if (state.turn) {
        endTurn(`The connection closed during the answer (code ${event.code}).`, 'error');
      }
    });
  });
}

function closeSocket() {
  state.socket?.close(1000, 'new session');
  state.socket = null;
}

async function sendMessage() {
  if (state.turn) return;
  const request = assistantRequest();
  state.turn = { askedModel: request.model ?? '', streamId: null };
  // Keyboard users keep their place: focus moves from Send to Cancel, and back at the end.
  const sendHadFocus = document.activeElement === ui.send;
  ui.send.disabled = true;
  ui.reply.setAttribute('aria-busy', 'true');
  ui.reply.replaceChildren();
  setProgress(0);
  ui.replySummary.textContent = 'Waiting for the first token…';
  ui.replySummary.className = 'summary';
  try {
    const socket = await openSocket();
    socket.send(JSON.stringify(request));
    ui.cancel.disabled = false;
    if (sendHadFocus) ui.cancel.focus();
  } catch (error) {
    endTurn(error instanceof Error ? error.message : String(error), 'error');
  }
}

/** @param {number | null} percent */
function setProgress(percent) {
  if (percent === null) {
    ui.progress.removeAttribute('value');
    ui.progressText.textContent = '…';
    return;
  }
  const clamped = Math.max(0, Math.min(100, percent));
  ui.progress.value = clamped;
  ui.progressText.textContent = `${Math.round(clamped)} %`;
}

/**
 * @param {string} text
 * @param {'ok' | 'warn' | 'error'} kind
 */
function endTurn(text, kind) {
  state.turn = null;
  const cancelHadFocus = document.activeElement === ui.cancel;
  ui.send.disabled = typeof WebSocket !== 'function';
  ui.cancel.disabled = true;
  if (cancelHadFocus) ui.send.focus();
  ui.reply.setAttribute('aria-busy', 'false');
  ui.replySummary.textContent = text;
  ui.replySummary.className = `summary summary-${kind}`;
  void poll();
}

/** @param {any} data a server message of the assistant protocol */
function onServerMessage(data) {
  const turn = state.turn;
  switch (data.type) {
    case 'stream_start':
      if (!turn) return;
      turn.streamId = data.stream_id;
      turn.askedModel = data.model;
      ui.replySummary.textContent = `Streaming (asked for ${data.model})${data.cached ? ', a cached answer' : ''}…`;
      return;
    case 'stream_chunk':
      ui.reply.append(data.content);
      setProgress(data.progress_percent);
      return;
    case 'stream_end': {
      setProgress(100);
      const price = priceOf(data.model);
      const cost = price
        ? data.usage.input_tokens * price.usd_per_input_token +
          data.usage.output_tokens * price.usd_per_output_token
        : null;
      const parts = [
        `${integer.format(data.usage.output_tokens)} tokens out, ${integer.format(data.usage.input_tokens)} in${data.usage.estimated ? ' (estimated)' : ''}`,
        cost === null ? 'cost unknown' : usd.format(cost),
        `${integer.format(data.duration_ms)} ms`,
        `answered by ${data.model}`,
      ];
      const askedModel = turn?.askedModel ?? '';
      const failedOver = askedModel !== '' && askedModel !== data.model;
      if (failedOver) {
        parts.push(`failover from ${askedModel}`);
        note(`Failover: ${askedModel} failed, ${data.model} answered.`, 'warn');
      }
      endTurn(parts.join(' · '), failedOver ? 'warn' : 'ok');
      return;
    }
    case 'stream_cancelled':
      endTurn(`Cancelled (${data.reason}).`, 'warn');
      note(`Stream ${data.stream_id} cancelled: ${data.reason}.`, 'warn');
      return;
    case 'error': {
      const wait =
        typeof data.retry_after_ms === 'number'
          ? ` Retry after ${Math.ceil(data.retry_after_ms / 1000)} s.`
          : '';
      endTurn(`Error ${data.code}: ${data.message}.${wait}`, 'error');
      note(`Chat refused: ${data.code}.${wait}`, 'error');
      return;
    }
  }
}

// ——— Provoking failures ———

function renderOutageButton() {
  const model = state.caller?.models.find((entry) => entry.name === ui.outageModel.value);
  const failing = model?.mock?.failing === true;
  ui.outage.setAttribute('aria-pressed', String(failing));
  ui.outage.textContent = failing ? 'Let it recover' : 'Make it fail';
}

async function toggleOutage() {
  const name = ui.outageModel.value;
  const model = state.caller?.models.find((entry) => entry.name === name);
  if (!model?.mock) return;
  const failing = !model.mock.failing;
  const { response, body } = await call(`/api/playground/mock-outage/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: { failing },
    as: 'admin',
  });
  if (!response.ok) {
    ui.outageHelp.textContent = `Refused: ${describeFailure(response, body)}`;
    return;
  }
  model.mock.failing = body.failing;
  renderOutageButton();
  note(
    body.failing ? `${name} now fails every call (503).` : `${name} answers again.`,
    body.failing ? 'warn' : 'ok',
  );
}

async function sendBurst() {
  // aria-disabled, not disabled: the button keeps keyboard focus while the burst runs.
  if (ui.burst.getAttribute('aria-disabled') === 'true') return;
  ui.burst.setAttribute('aria-disabled', 'true');
  const count = Math.min(BURST_MAX, Math.max(5, (state.minuteRemaining ?? 10) + 3));
  ui.burstResult.textContent = `Sending ${count} requests at once…`;
  ui.burstResult.className = 'summary';
  const requests = Array.from({ length: count }, (_, index) =>
    call('/v1/chat/completions', {
      method: 'POST',
      body: {
        ...(ui.model.value ? { model: ui.model.value } : {}),
        messages: [{ role: 'user', content: `burst request ${index + 1}` }],
        max_tokens: 8,
      },
    }).then(
      (result) => result,
      () => null,
    ),
  );
  const results = await Promise.all(requests);
  /** @type {Map<string, number>} */
  const byStatus = new Map();
  for (const result of results) {
    const status = result ? String(result.response.status) : 'network error';
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  const tally = [...byStatus].map(([status, times]) => `${times} × ${status}`).join(', ');
  const refused = results.find((result) => result?.response.status === 429);
  if (refused) {
    const retryAfter = refused.response.headers.get('retry-after');
    ui.burstResult.textContent = `${count} requests: ${tally}. The first 429 says Retry-After: ${retryAfter} s (${refused.body?.detail ?? 'quota exceeded'}).`;
    ui.burstResult.className = 'summary summary-warn';
    note(`Burst of ${count}: ${tally}; Retry-After ${retryAfter} s.`, 'warn');
  } else {
    ui.burstResult.textContent = `${count} requests: ${tally}.`;
    ui.burstResult.className = 'summary summary-ok';
    note(`Burst of ${count}: ${tally}.`);
  }
  ui.burst.setAttribute('aria-disabled', 'false');
  void poll();
}

async function resetQuota() {
  if (!state.caller) return;
  const path = `/api/rate-limit/reset/${encodeURIComponent(state.caller.user_id)}`;
  const { response, body } = await call(path, { method: 'POST', as: 'admin' });
  if (response.ok) note(`Quota of ${state.caller.user_id} reset.`, 'ok');
  else note(`Quota reset refused: ${describeFailure(response, body)}`, 'error');
  void poll();
}

/** @param {string} name */
async function resetBreaker(name) {
  const path = `/api/circuit-breakers/${encodeURIComponent(name)}/reset`;
  const { response, body } = await call(path, { method: 'POST', as: 'admin' });
  if (response.ok) note(`Breaker ${name} reset.`, 'ok');
  else note(`Breaker reset refused: ${describeFailure(response, body)}`, 'error');
  void poll();
}

// ——— Live status ———

/** A wait for people: "42 s", "12 min", "5 h 59 min". @param {number} ms */
function duration(ms) {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  if (totalSeconds < 90) return `${totalSeconds} s`;
  const minutes = Math.ceil(totalSeconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "Requests / minute", "AI tokens / day". @param {{ unit: string, windowMs: number }} policy */
function windowLabel(policy) {
  const spans = { 60000: 'minute', 3600000: 'hour', 86400000: 'day' };
  const span =
    spans[/** @type {keyof typeof spans} */ (policy.windowMs)] ?? duration(policy.windowMs);
  return `${policy.unit === 'tokens' ? 'AI tokens' : 'Requests'} / ${span}`;
}

/** @param {any} quota */
function renderQuota(quota) {
  const now = Date.now();
  const rows = quota.policies.map((/** @type {any} */ policy) => {
    const used = policy.limit - policy.remaining;
    const meter = element('meter', {
      min: '0',
      max: String(policy.limit),
      value: String(used),
      high: String(policy.limit * 0.8),
      optimum: '0',
      'aria-label': `${windowLabel(policy)}: ${used} of ${policy.limit} used`,
    });
    return element('tr', { 'data-window': policy.name }, [
      element('th', { scope: 'row' }, [windowLabel(policy)]),
      element('td', { class: 'numeric' }, [
        `${integer.format(used)} / ${integer.format(policy.limit)}`,
      ]),
      element('td', { class: 'wide' }, [meter]),
      element('td', { class: 'numeric' }, [used > 0 ? duration(policy.resetAt - now) : '—']),
    ]);
  });
  ui.quotaRows.replaceChildren(...rows);
  const minute = quota.policies.find((/** @type {any} */ policy) => policy.name === 'minute');
  state.minuteRemaining = minute ? minute.remaining : null;
  ui.tokensReserved.textContent = `Tokens held by answers in progress: ${integer.format(quota.current_usage.tokens_reserved)}.`;
}

/** @param {string} name */
function breakerRow(name) {
  const existing = state.breakerRows.get(name);
  if (existing) return existing;
  const stateBadge = element('span', { class: 'badge' });
  const detail = element('span', { class: 'breaker-detail' });
  const reset = /** @type {HTMLButtonElement} */ (
    element('button', { type: 'button', class: 'small secondary', 'aria-label': `Reset ${name}` }, [
      'Reset',
    ])
  );
  reset.hidden = state.adminToken === '';
  reset.addEventListener('click', () => void resetBreaker(name));
  const item = element('li', { class: 'breaker', 'data-breaker': name }, [
    element('span', { class: 'breaker-name' }, [name]),
    stateBadge,
    detail,
    reset,
  ]);
  ui.breakers.append(item);
  const row = { item, state: stateBadge, detail, reset };
  state.breakerRows.set(name, row);
  return row;
}

/** @param {any[]} snapshots */
function renderBreakers(snapshots) {
  for (const snapshot of snapshots) {
    const row = breakerRow(snapshot.name);
    row.state.textContent = snapshot.state;
    row.state.className = `badge badge-${snapshot.state.toLowerCase()}`;
    row.item.dataset.state = snapshot.state;
    const waits =
      snapshot.retry_after_ms > 0 ? `, admits calls in ${duration(snapshot.retry_after_ms)}` : '';
    const outage = state.caller?.models.find((model) => model.breaker === snapshot.name)?.mock
      ?.failing
      ? ' · mock outage on'
      : '';
    row.detail.textContent = `${snapshot.consecutive_failures} consecutive failures${waits}${outage}`;
    const previous = state.breakerStates.get(snapshot.name);
    if (previous && previous !== snapshot.state) {
      note(
        `Breaker ${snapshot.name}: ${previous} → ${snapshot.state}.`,
        snapshot.state === 'OPEN' ? 'error' : 'ok',
      );
    }
    state.breakerStates.set(snapshot.name, snapshot.state);
  }
}

/** @param {any} active */
function renderStreams(active) {
  ui.streamCount.textContent = String(active.count);
  ui.streamsEmpty.hidden = active.count > 0;
  ui.streams.replaceChildren(
    ...active.active_streams.map((/** @type {any} */ stream) =>
      element('li', {}, [
        element('span', { class: 'stream-model' }, [stream.model]),
        element('progress', {
          max: '100',
          value: String(stream.progress_percent ?? 0),
          'aria-label': `Stream ${stream.stream_id} progress`,
        }),
        element('span', { class: 'numeric' }, [`${integer.format(stream.total_tokens)} tokens`]),
      ]),
    ),
  );
}

async function poll() {
  if (state.polling || !state.caller) return;
  state.polling = true;
  try {
    const streamsAs = state.adminToken ? 'admin' : 'user';
    const [quota, breakers, streams] = await Promise.all([
      call(`/api/rate-limit/quota/${encodeURIComponent(state.caller.user_id)}`),
      call('/api/circuit-breakers'),
      call('/api/streaming/active', { as: streamsAs }),
    ]);
    if (quota.response.ok) renderQuota(quota.body);
    if (breakers.response.ok) renderBreakers(breakers.body.circuit_breakers);
    if (streams.response.ok) renderStreams(streams.body);
    ui.pollStatus.textContent = `Status updated ${new Date().toLocaleTimeString('en-GB')}.`;
  } catch {
    ui.pollStatus.textContent = 'The gateway is not answering; retrying every second.';
  } finally {
    state.polling = false;
  }
}

// ——— Start ———

function start() {
  ui.app.hidden = false;
  restoreCredentials();
  if (typeof WebSocket !== 'function') {
    ui.websocketMissing.hidden = false;
    ui.send.disabled = true;
    ui.cancel.disabled = true;
  }
  ui.credentials.addEventListener('submit', (event) => {
    event.preventDefault();
    useCredentials();
  });
  ui.forget.addEventListener('click', forgetCredentials);
  ui.chat.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendMessage();
  });
  ui.message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) ui.chat.requestSubmit();
  });
  ui.cancel.addEventListener('click', () => {
    state.socket?.send(JSON.stringify({ type: 'cancel' }));
  });
  ui.newSession.addEventListener('click', () => {
    closeSocket();
    state.sessionId = newSessionId();
    ui.reply.replaceChildren();
    setProgress(0);
    ui.replySummary.textContent = 'New conversation.';
  });
  ui.outageModel.addEventListener('change', renderOutageButton);
  ui.outage.addEventListener('click', () => void toggleOutage());
  ui.burst.addEventListener('click', () => void sendBurst());
  ui.resetQuota.addEventListener('click', () => void resetQuota());
  renderAdminControls();
  void loadCaller().then(poll);
  void loadModels();
  setInterval(() => {
    if (!document.hidden) void poll();
  }, POLL_INTERVAL_MS);
}

start();
