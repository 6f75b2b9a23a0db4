// The chat: the original design's assistant WebSocket protocol, one answer at a time.

import { call, describeFailure, modelNamed, session } from './gateway-client.js';
import { byId, element, integer, note, usd } from './page.js';

const ui = {
  form: /** @type {HTMLFormElement} */ (byId('chat-form')),
  model: /** @type {HTMLSelectElement} */ (byId('model')),
  mode: /** @type {HTMLInputElement} */ (byId('mode')),
  modes: byId('mode-suggestions'),
  taskType: /** @type {HTMLInputElement} */ (byId('task-type')),
  taskTypes: byId('task-suggestions'),
  stream: /** @type {HTMLInputElement} */ (byId('stream')),
  message: /** @type {HTMLTextAreaElement} */ (byId('message')),
  send: /** @type {HTMLButtonElement} */ (byId('send')),
  cancel: /** @type {HTMLButtonElement} */ (byId('cancel')),
  newSession: byId('new-session'),
  progress: /** @type {HTMLProgressElement} */ (byId('progress')),
  progressText: byId('progress-text'),
  reply: byId('reply'),
  summary: byId('reply-summary'),
  websocketMissing: byId('websocket-missing'),
};

/** @typedef {{ askedModel: string }} Turn */

const chat = {
  /** @type {WebSocket | null} */
  socket: null,
  /** The answer in progress. @type {Turn | null} */
  turn: null,
  sessionId: newSessionId(),
  /** Called when an answer ends, so the status panels refresh at once. */
  onTurnEnd: () => {},
};

function newSessionId() {
  return `playground-${crypto.randomUUID().slice(0, 8)}`;
}

/** The model picked for chats and bursts; '' for the gateway's default. */
export function selectedModel() {
  return ui.model.value;
}

/**
 * The message the original design's browser client sends: `mode` is the assistant's persona,
 * `stream` asks for tokens as they come (or the whole answer at once).
 */
function assistantRequest() {
  const mode = ui.mode.value.trim();
  const taskType = ui.taskType.value.trim();
  return {
    user_id: session.caller?.user_id,
    message: ui.message.value,
    ...(mode ? { mode } : {}),
    stream: ui.stream.checked,
    ...(taskType ? { task_type: taskType } : {}),
    ...(ui.model.value ? { model: ui.model.value } : {}),
  };
}

/**
 * Suggests the gateway's assistant modes and task types; an empty mode field gets the default mode.
 * @param {{ default_mode: string, modes: string[] }} assistant
 * @param {string[]} taskTypes
 */
export function showAssistantOptions(assistant, taskTypes) {
  const options = (/** @type {string[]} */ values) =>
    values.map((value) => element('option', { value }));
  ui.modes.replaceChildren(...options(assistant.modes));
  ui.taskTypes.replaceChildren(...options(taskTypes));
  if (!ui.mode.value) ui.mode.value = assistant.default_mode;
}

/** @returns {Promise<WebSocket>} */
function openSocket() {
  if (chat.socket && chat.socket.readyState === WebSocket.OPEN) return Promise.resolve(chat.socket);
  const url = new URL(`/ws/assistant/${encodeURIComponent(chat.sessionId)}`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Browsers cannot set headers on a WebSocket upgrade: the key goes in the query.
  if (session.apiKey) url.searchParams.set('api_key', session.apiKey);
  const socket = new WebSocket(url);
  chat.socket = socket;
  return new Promise((resolve, reject) => {
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      resolve(socket);
    });
    socket.addEventListener('message', (event) => onServerMessage(JSON.parse(event.data)));
    socket.addEventListener('close', (event) => {
      if (chat.socket === socket) chat.socket = null;
      if (!opened) {
        reject(
          new Error(
            'The WebSocket could not open: the gateway refused it (a wrong API key, or this ' +
              'page’s origin is not on its allowlist) or it is not running.',
          ),
        );
      } else if (chat.turn) {
        endTurn(`The connection closed during the answer (code ${event.code}).`, 'error');
      }
    });
  });
}

/** Closes the conversation's socket (the next message opens a new one). */
export function closeSocket() {
  chat.socket?.close(1000, 'closed by the page');
  chat.socket = null;
}

async function sendMessage() {
  if (chat.turn) return;
  const request = assistantRequest();
  chat.turn = { askedModel: request.model ?? '' };
  // Keyboard users keep their place: focus moves from Send to Cancel, and back at the end.
  const sendHadFocus = document.activeElement === ui.send;
  ui.send.disabled = true;
  ui.reply.setAttribute('aria-busy', 'true');
  ui.reply.replaceChildren();
  setProgress(0);
  showSummary('Waiting for the first token…');
  try {
    const socket = await openSocket();
    socket.send(JSON.stringify(request));
    ui.cancel.disabled = false;
    if (sendHadFocus) ui.cancel.focus();
  } catch (error) {
    endTurn(error instanceof Error ? error.message : String(error), 'error');
  }
}

/** @param {number | null} percent null: the gateway does not know the expected length */
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
 * @param {'ok' | 'warn' | 'error'} [kind]
 */
function showSummary(text, kind) {
  ui.summary.textContent = text;
  ui.summary.className = kind ? `summary summary-${kind}` : 'summary';
}

/**
 * @param {string} text
 * @param {'ok' | 'warn' | 'error'} kind
 */
function endTurn(text, kind) {
  chat.turn = null;
  const cancelHadFocus = document.activeElement === ui.cancel;
  ui.send.disabled = typeof WebSocket !== 'function';
  ui.cancel.disabled = true;
  if (cancelHadFocus) ui.send.focus();
  ui.reply.setAttribute('aria-busy', 'false');
  showSummary(text, kind);
  chat.onTurnEnd();
}

/** "100 tokens out, 10 in · $0.000155 · 2,377 ms · answered by mock". @param {any} end */
function describeEnd(end) {
  const price = modelNamed(end.model)?.price;
  const cost = price
    ? end.usage.input_tokens * price.usd_per_input_token +
      end.usage.output_tokens * price.usd_per_output_token
    : null;
  const estimated = end.usage.estimated ? ' (estimated)' : '';
  return [
    `${integer.format(end.usage.output_tokens)} tokens out, ${integer.format(end.usage.input_tokens)} in${estimated}`,
    cost === null ? 'cost unknown' : usd.format(cost),
    `${integer.format(end.duration_ms)} ms`,
    `answered by ${end.model}`,
  ];
}

/** @param {any} data a server message of the assistant protocol */
function onServerMessage(data) {
  const turn = chat.turn;
  switch (data.type) {
    case 'stream_start':
      if (turn) turn.askedModel = data.model;
      showSummary(`Streaming (asked for ${data.model})${data.cached ? ', a cached answer' : ''}…`);
      return;
    case 'stream_chunk':
      ui.reply.append(data.content);
      setProgress(data.progress_percent);
      return;
    case 'stream_end': {
      setProgress(100);
      const parts = describeEnd(data);
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
      note(`Answer cancelled (${data.reason}).`, 'warn');
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

/** Fills the model picker from `GET /v1/models`. */
export async function loadModels() {
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
  const selected = ui.model.value;
  ui.model.replaceChildren(element('option', { value: '' }, ['Gateway default']), ...options);
  if (body.data.some((/** @type {{ id: string }} */ model) => model.id === selected)) {
    ui.model.value = selected;
  }
}

/**
 * Wires the chat form; without WebSocket support it says so and stays off.
 * @param {{ onTurnEnd: () => void }} options
 */
export function startChat(options) {
  chat.onTurnEnd = options.onTurnEnd;
  if (typeof WebSocket !== 'function') {
    ui.websocketMissing.hidden = false;
    ui.send.disabled = true;
    return;
  }
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendMessage();
  });
  ui.message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) ui.form.requestSubmit();
  });
  ui.cancel.addEventListener('click', () => {
    chat.socket?.send(JSON.stringify({ type: 'cancel' }));
  });
  ui.newSession.addEventListener('click', () => {
    closeSocket();
    chat.sessionId = newSessionId();
    ui.reply.replaceChildren();
    setProgress(0);
    showSummary('New conversation.');
  });
}
