// Live status: the caller's quota, every circuit breaker, the active streams. Polled every
// second while the tab is visible; rows are updated in place so keyboard focus survives.

import { call, describeFailure, session } from './gateway-client.js';
import { byId, duration, element, integer, note } from './page.js';

const POLL_INTERVAL_MS = 1000;

const ui = {
  quotaRows: byId('quota-rows'),
  tokensReserved: byId('tokens-reserved'),
  breakers: byId('breakers'),
  streams: byId('streams'),
  streamCount: byId('stream-count'),
  streamsEmpty: byId('streams-empty'),
  pollStatus: byId('poll-status'),
};

/** @typedef {{ item: HTMLElement, badge: HTMLElement, detail: HTMLElement, reset: HTMLButtonElement }} BreakerRow */

const status = {
  polling: false,
  /** Requests left in the minute window at the last poll. @type {number | null} */
  minuteRemaining: null,
  /** Breaker name → state at the last poll, to report transitions. @type {Map<string, string>} */
  breakerStates: new Map(),
  /** @type {Map<string, BreakerRow>} */
  breakerRows: new Map(),
};

/** Requests left in the caller's minute window, as of the last poll. */
export function minuteRemaining() {
  return status.minuteRemaining;
}

/** "Requests / minute", "AI tokens / day". @param {{ unit: string, windowMs: number }} policy */
function windowLabel(policy) {
  const spans = { 60000: 'minute', 3600000: 'hour', 86400000: 'day' };
  const span =
    spans[/** @type {keyof typeof spans} */ (policy.windowMs)] ?? duration(policy.windowMs);
  return `${policy.unit === 'tokens' ? 'AI tokens' : 'Requests'} / ${span}`;
}

/** @param {any} quota the body of `GET /api/rate-limit/quota/{user_id}` */
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
  status.minuteRemaining = minute ? minute.remaining : null;
  const reserved = integer.format(quota.current_usage.tokens_reserved);
  ui.tokensReserved.textContent = `Tokens held by answers in progress: ${reserved}.`;
}

/** @param {string} name */
async function resetBreaker(name) {
  const path = `/api/circuit-breakers/${encodeURIComponent(name)}/reset`;
  const { response, body } = await call(path, { method: 'POST', as: 'admin' });
  if (response.ok) note(`Breaker ${name} reset.`, 'ok');
  else note(`Breaker reset refused: ${describeFailure(response, body)}`, 'error');
  void poll();
}

/** @param {string} name @returns {BreakerRow} */
function breakerRow(name) {
  const existing = status.breakerRows.get(name);
  if (existing) return existing;
  const badge = element('span', { class: 'badge' });
  const detail = element('span', { class: 'breaker-detail' });
  const reset = /** @type {HTMLButtonElement} */ (
    element('button', { type: 'button', class: 'small secondary', 'aria-label': `Reset ${name}` }, [
      'Reset',
    ])
  );
  reset.hidden = session.adminToken === '';
  reset.addEventListener('click', () => void resetBreaker(name));
  const item = element('li', { class: 'breaker', 'data-breaker': name }, [
    element('span', { class: 'breaker-name' }, [name]),
    badge,
    detail,
    reset,
  ]);
  ui.breakers.append(item);
  const row = { item, badge, detail, reset };
  status.breakerRows.set(name, row);
  return row;
}

/** Shows the reset buttons only to a reader who entered an admin token. */
export function showAdminControls() {
  for (const row of status.breakerRows.values()) row.reset.hidden = session.adminToken === '';
}

/** @param {any[]} snapshots the breakers of `GET /api/circuit-breakers` */
function renderBreakers(snapshots) {
  for (const snapshot of snapshots) {
    const row = breakerRow(snapshot.name);
    row.badge.textContent = snapshot.state;
    row.badge.className = `badge badge-${snapshot.state.toLowerCase()}`;
    const waits =
      snapshot.retry_after_ms > 0 ? `, admits calls in ${duration(snapshot.retry_after_ms)}` : '';
    const model = session.caller?.models.find((entry) => entry.breaker === snapshot.name);
    const outage = model?.mock?.failing ? ' · mock outage on' : '';
    row.detail.textContent = `${snapshot.consecutive_failures} consecutive failures${waits}${outage}`;
    const previous = status.breakerStates.get(snapshot.name);
    if (previous && previous !== snapshot.state) {
      note(
        `Breaker ${snapshot.name}: ${previous} → ${snapshot.state}.`,
        snapshot.state === 'OPEN' ? 'error' : 'ok',
      );
    }
    status.breakerStates.set(snapshot.name, snapshot.state);
  }
}

/** @param {any} active the body of `GET /api/streaming/active` */
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

/** Reads quota, breakers and streams once (skipped while a poll is running). */
export async function poll() {
  const caller = session.caller;
  if (status.polling || !caller) return;
  status.polling = true;
  try {
    // With the admin token the streams list shows every caller's streams, else the caller's own.
    const streamsAs = session.adminToken ? 'admin' : 'user';
    const [quota, breakers, streams] = await Promise.all([
      call(`/api/rate-limit/quota/${encodeURIComponent(caller.user_id)}`),
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
    status.polling = false;
  }
}

/** Polls every second while the tab is visible. */
export function startPolling() {
  void poll();
  setInterval(() => {
    if (!document.hidden) void poll();
  }, POLL_INTERVAL_MS);
}
