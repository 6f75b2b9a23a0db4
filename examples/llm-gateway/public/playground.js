// The gateway's playground: credentials, the chat, live status, and buttons that provoke what
// Breakwater handles. Plain ES modules, no build step.

import { closeSocket, loadModels, selectedModel, showAssistantOptions, startChat } from './chat.js';
import {
  call,
  describeFailure,
  modelNamed,
  restoreCredentials,
  session,
  setCredentials,
} from './gateway-client.js';
import { byId, element, note } from './page.js';
import { minuteRemaining, poll, showAdminControls, startPolling } from './status.js';

/** The most requests one burst sends. */
const BURST_MAX = 150;

const ui = {
  app: byId('app'),
  credentials: /** @type {HTMLFormElement} */ (byId('credentials-form')),
  apiKey: /** @type {HTMLInputElement} */ (byId('api-key')),
  adminToken: /** @type {HTMLInputElement} */ (byId('admin-token')),
  remember: /** @type {HTMLInputElement} */ (byId('remember')),
  forget: byId('forget'),
  identity: byId('identity'),
  outageModel: /** @type {HTMLSelectElement} */ (byId('outage-model')),
  outage: /** @type {HTMLButtonElement} */ (byId('outage')),
  outageHelp: byId('outage-help'),
  burst: /** @type {HTMLButtonElement} */ (byId('burst')),
  resetQuota: /** @type {HTMLButtonElement} */ (byId('reset-quota')),
  burstResult: byId('burst-result'),
};

// ——— Credentials and who is calling ———

function useCredentials() {
  const apiKey = ui.apiKey.value.trim();
  const keyChanged = apiKey !== session.apiKey;
  setCredentials({ apiKey, adminToken: ui.adminToken.value.trim(), remember: ui.remember.checked });
  // The socket was opened with the old key.
  if (keyChanged) closeSocket();
  renderAdminControls();
  void loadCaller().then(poll);
  void loadModels();
}

function forgetCredentials() {
  ui.apiKey.value = '';
  ui.adminToken.value = '';
  ui.remember.checked = false;
  useCredentials();
}

async function loadCaller() {
  const answer = await call('/api/playground').catch(() => null);
  session.caller = answer?.response.ok ? answer.body : null;
  if (!answer) {
    ui.identity.textContent = 'The gateway is not answering. Is it running?';
  } else if (!answer.response.ok) {
    const failure = describeFailure(answer.response, answer.body);
    ui.identity.textContent = `The gateway refused these credentials (${failure}).`;
  } else {
    const caller = answer.body;
    ui.identity.textContent = caller.anonymous
      ? `You are ${caller.user_id}, tier ${caller.tier} (no API key).`
      : `You are ${caller.user_id}, tier ${caller.tier}.`;
    showAssistantOptions(caller.assistant, caller.task_types);
  }
  const selected = ui.outageModel.value;
  const mocks = session.caller?.models.filter((model) => model.mock) ?? [];
  ui.outageModel.replaceChildren(
    ...mocks.map((model) => element('option', { value: model.name }, [model.name])),
  );
  if (mocks.some((model) => model.name === selected)) ui.outageModel.value = selected;
  renderAdminControls();
}

function renderAdminControls() {
  const admin = session.adminToken !== '';
  const hasMocks = ui.outageModel.options.length > 0;
  ui.outage.disabled = !admin || !hasMocks;
  ui.outageModel.disabled = !hasMocks;
  ui.outageHelp.textContent = !hasMocks
    ? 'No mock model is configured.'
    : admin
      ? 'Uses the admin token.'
      : 'Needs the admin token.';
  ui.resetQuota.disabled = !admin || !session.caller;
  showAdminControls();
  renderOutageButton();
}

// ——— Provoking failures ———

function renderOutageButton() {
  const failing = modelNamed(ui.outageModel.value)?.mock?.failing === true;
  ui.outage.setAttribute('aria-pressed', String(failing));
  ui.outage.textContent = failing ? 'Let it recover' : 'Make it fail';
}

async function toggleOutage() {
  const name = ui.outageModel.value;
  const mock = modelNamed(name)?.mock;
  if (!mock) return;
  const path = `/api/playground/mock-outage/${encodeURIComponent(name)}`;
  const { response, body } = await call(path, {
    method: 'PUT',
    body: { failing: !mock.failing },
    as: 'admin',
  });
  if (!response.ok) {
    ui.outageHelp.textContent = `Refused: ${describeFailure(response, body)}`;
    return;
  }
  mock.failing = body.failing;
  renderOutageButton();
  note(
    body.failing ? `${name} now fails every call (503).` : `${name} answers again.`,
    body.failing ? 'warn' : 'ok',
  );
}

/**
 * "10 requests: 7 × 200, 3 × 429. The first 429 says Retry-After: 42 s (…)."
 * @param {Array<{ response: Response, body: any } | null>} results null: a network error
 */
function describeBurst(results) {
  /** @type {Map<string, number>} */
  const byStatus = new Map();
  for (const result of results) {
    const status = result ? String(result.response.status) : 'network error';
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  const tally = [...byStatus].map(([status, times]) => `${times} × ${status}`).join(', ');
  const refused = results.find((result) => result?.response.status === 429);
  if (!refused) return { kind: 'ok', text: `${results.length} requests: ${tally}.`, tally };
  const retryAfter = refused.response.headers.get('retry-after');
  const detail = refused.body?.detail ?? 'quota exceeded';
  return {
    kind: 'warn',
    text: `${results.length} requests: ${tally}. The first 429 says Retry-After: ${retryAfter} s (${detail}).`,
    tally: `${tally}; Retry-After ${retryAfter} s`,
  };
}

async function sendBurst() {
  // aria-disabled, not disabled: the button keeps keyboard focus while the burst runs.
  if (ui.burst.getAttribute('aria-disabled') === 'true') return;
  ui.burst.setAttribute('aria-disabled', 'true');
  const count = Math.min(BURST_MAX, Math.max(5, (minuteRemaining() ?? 10) + 3));
  ui.burstResult.textContent = `Sending ${count} requests at once…`;
  ui.burstResult.className = 'summary';
  const model = selectedModel();
  const results = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      call('/v1/chat/completions', {
        method: 'POST',
        body: {
          ...(model ? { model } : {}),
          messages: [{ role: 'user', content: `burst request ${index + 1}` }],
          max_tokens: 8,
        },
      }).catch(() => null),
    ),
  );
  const outcome = describeBurst(results);
  ui.burstResult.textContent = outcome.text;
  ui.burstResult.className = `summary summary-${outcome.kind}`;
  note(`Burst of ${count}: ${outcome.tally}.`, outcome.kind === 'ok' ? 'info' : 'warn');
  ui.burst.setAttribute('aria-disabled', 'false');
  void poll();
}

async function resetQuota() {
  const userId = session.caller?.user_id;
  if (!userId) return;
  const path = `/api/rate-limit/reset/${encodeURIComponent(userId)}`;
  const { response, body } = await call(path, { method: 'POST', as: 'admin' });
  if (response.ok) note(`Quota of ${userId} reset.`, 'ok');
  else note(`Quota reset refused: ${describeFailure(response, body)}`, 'error');
  void poll();
}

// ——— Start ———

ui.app.hidden = false;
if (restoreCredentials()) {
  ui.apiKey.value = session.apiKey;
  ui.adminToken.value = session.adminToken;
  ui.remember.checked = true;
}
ui.credentials.addEventListener('submit', (event) => {
  event.preventDefault();
  useCredentials();
});
ui.forget.addEventListener('click', forgetCredentials);
ui.outageModel.addEventListener('change', renderOutageButton);
ui.outage.addEventListener('click', () => void toggleOutage());
ui.burst.addEventListener('click', () => void sendBurst());
ui.resetQuota.addEventListener('click', () => void resetQuota());
startChat({ onTurnEnd: () => void poll() });
renderAdminControls();
void loadCaller().then(startPolling);
void loadModels();
