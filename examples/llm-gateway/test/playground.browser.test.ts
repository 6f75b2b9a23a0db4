import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { useGateway } from './helpers.js';

const ADMIN_TOKEN = 'playground-browser-admin-token-42';
const DEMO_KEY = 'sk-demo-playground-browser-test';
/** `UPDATE_SCREENSHOT=1` rewrites the screenshot docs/gateway.md embeds; otherwise it goes to a temp dir. */
const DOCS_SCREENSHOT = fileURLToPath(
  new URL('../../../docs/images/playground.png', import.meta.url),
);

/** A mock slow enough that the progress bar is seen moving: 48 tokens at 40 a second. */
const paced = (name: string) =>
  ({
    name,
    provider: 'mock',
    maxTokens: 64,
    mock: { ttftMs: 50, tokensPerSecond: 40, outputTokens: 48 },
  }) as const;

describe('the playground page in a real browser', () => {
  const server = useGateway({
    adminToken: ADMIN_TOKEN,
    // What `pnpm start` configures when no keys are set: one demo key, anonymous callers allowed.
    apiKeys: [{ key: DEMO_KEY, userId: 'demo', tier: 'BASIC' }],
    models: [paced('mock'), paced('mock-backup')],
    retry: false,
    breaker: { failureThreshold: 2, openDurationMs: 120_000 },
  });
  let browser: Browser;
  let page: Page;
  let scratch: string;
  /** Console errors and uncaught exceptions: a CSP violation or a script bug lands here. */
  const problems: string[] = [];
  /** Everything the page printed, to check the admin token never shows up. */
  const consoleText: string[] = [];
  /** The page's WebSocket frames, parsed: what it sent and what it received. */
  const sent: Array<Record<string, unknown>> = [];
  const received: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'playground-'));
    // Keep it under docs/ only when asked, so a test run never dirties the tree.
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (message) => {
      consoleText.push(message.text());
      // The burst's 429s are the point of the burst; Chromium reports each as a failed load.
      const expected = /Failed to load resource: .* 429/.test(message.text());
      if (message.type() === 'error' && !expected) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => sent.push(JSON.parse(String(frame.payload))));
      socket.on('framereceived', (frame) => received.push(JSON.parse(String(frame.payload))));
    });
    await page.goto(`${server.url}/`);
  });

  afterAll(async () => {
    await browser?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('streams a reply: text fills, the progress bar moves, tokens and cost at the end', async () => {
    await expect
      .poll(() => page.locator('#identity').textContent())
      .toBe('You are anonymous:127.0.0.1, tier FREE (no API key).');
    // The picker lists GET /v1/models; the mode starts at the gateway's default mode.
    await expect
      .poll(() =>
        page.locator('#model option').evaluateAll((options) => options.map((o) => o.textContent)),
      )
      .toEqual(['Gateway default', 'mock', 'mock-backup']);
    expect(await page.locator('#mode').inputValue()).toBe('general');
    expect(
      await page
        .locator('#mode-suggestions option')
        .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value)),
    ).toEqual(['general', 'strategist']);
    await page.locator('#model').selectOption('mock');
    await page.locator('#mode').fill('strategist');
    await page.locator('#task-type').fill('strategy_audit');
    await page.locator('#message').fill('Generate a comprehensive strategy audit');
    // Keyboard only: Ctrl+Enter in the message box sends.
    await page.locator('#message').press('Control+Enter');
    await page.waitForFunction(() => {
      const bar = document.querySelector('progress#progress') as HTMLProgressElement;
      return bar.value > 0 && bar.value < 100;
    });
    await expect.poll(() => page.locator('#cancel').isEnabled()).toBe(true);
    await expect
      .poll(() => page.locator('#reply-summary').textContent(), { timeout: 15_000 })
      .toMatch(/^48 tokens out, \d+ in · \$0\.0000\d+ · [\d,]+ ms · answered by mock$/);
    const reply = (await page.locator('#reply').textContent()) ?? '';
    expect(reply.split(' ')).toHaveLength(48);
    expect(
      await page.locator('#progress').evaluate((bar) => (bar as HTMLProgressElement).value),
    ).toBe(100);
    expect(await page.locator('#send').isEnabled()).toBe(true);
    // The original design's message, as its own browser client sends it.
    expect(sent).toEqual([
      {
        user_id: 'anonymous:127.0.0.1',
        message: 'Generate a comprehensive strategy audit',
        mode: 'strategist',
        stream: true,
        task_type: 'strategy_audit',
        model: 'mock',
      },
    ]);
    expect(received.filter((message) => message.type === 'stream_chunk').length).toBeGreaterThan(1);
  });

  it('asks for the whole answer at once when streaming is off', async () => {
    received.length = 0;
    await page.locator('#stream').uncheck();
    await page.locator('#message').fill('All at once, please');
    await page.locator('#send').click();
    await expect
      .poll(() => page.locator('#reply-summary').textContent(), { timeout: 15_000 })
      .toMatch(/^48 tokens out, \d+ in · .* · answered by mock$/);
    expect(sent.at(-1)).toMatchObject({ message: 'All at once, please', stream: false });
    expect(received.map((message) => message.type)).toEqual([
      'stream_start',
      'stream_chunk',
      'stream_end',
    ]);
    expect(((await page.locator('#reply').textContent()) ?? '').split(' ')).toHaveLength(48);
    await page.locator('#stream').check();
  });

  it('cancels an answer in progress', async () => {
    await page.locator('#message').fill('An answer to stop halfway');
    await page.locator('#send').click();
    await page.waitForFunction(() => {
      const bar = document.querySelector('progress#progress') as HTMLProgressElement;
      return bar.value > 0;
    });
    await page.locator('#cancel').click();
    await expect
      .poll(() => page.locator('#reply-summary').textContent())
      .toBe('Cancelled (cancelled_by_client).');
    expect(await page.locator('#cancel').isDisabled()).toBe(true);
    await expect.poll(() => server.gateway.streams.size).toBe(0);
  });

  it('labels every control, so it can be used with a keyboard and a screen reader', async () => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((control) => {
          const labels = (control as HTMLInputElement).labels;
          const named =
            (labels !== null && labels.length > 0) ||
            control.getAttribute('aria-label') ||
            (control.tagName === 'BUTTON' && control.textContent?.trim());
          return !named;
        })
        .map((control) => control.outerHTML),
    );
    expect(unlabelled).toEqual([]);
  });

  it('keeps the admin token in memory only, unless asked to keep it for the tab', async () => {
    await page.locator('#admin-token').fill(ADMIN_TOKEN);
    await page.locator('#credentials-form button[type=submit]').click();
    await expect.poll(() => page.locator('#outage').isEnabled()).toBe(true);
    const stored = await page.evaluate(() => ({
      session: JSON.stringify({ ...sessionStorage }),
      local: JSON.stringify({ ...localStorage }),
      cookies: document.cookie,
    }));
    expect(stored).toEqual({ session: '{}', local: '{}', cookies: '' });

    await page.locator('#remember').check();
    await page.locator('#credentials-form button[type=submit]').click();
    expect(await page.evaluate(() => Object.values({ ...sessionStorage }).join())).toContain(
      ADMIN_TOKEN,
    );
    await page.locator('#remember').uncheck();
    await page.locator('#credentials-form button[type=submit]').click();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.locator('#outage').isEnabled()).toBe(true);
    expect(consoleText.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('makes the mock fail: the answer fails over, then the breaker opens', async () => {
    // Still the model picked in the first test: new credentials reload the list, not the choice.
    expect(await page.locator('#model').inputValue()).toBe('mock');
    await page.locator('#outage').click();
    await expect.poll(() => page.locator('#outage').getAttribute('aria-pressed')).toBe('true');
    expect(server.gateway.catalog.get('mock')?.outage?.failing).toBe(true);
    for (let turn = 1; turn <= 2; turn++) {
      await page.locator('#message').fill(`Failing turn ${turn}`);
      await page.locator('#send').click();
      await expect
        .poll(() => page.locator('#reply-summary').textContent(), { timeout: 15_000 })
        .toMatch(/answered by mock-backup · failover from mock$/);
    }
    const badge = page.locator('[data-breaker="ai_model_mock"] .badge');
    await expect.poll(() => badge.textContent()).toBe('OPEN');
    await expect
      .poll(() => page.locator('#activity').textContent())
      .toContain('Breaker ai_model_mock: CLOSED → OPEN.');
    expect(await page.locator('#activity').textContent()).toContain(
      'Failover: mock failed, mock-backup answered.',
    );
  });

  it('sends a burst: the excess gets 429 with Retry-After', async () => {
    await page.locator('#burst').click();
    await expect
      .poll(() => page.locator('#burst-result').textContent(), { timeout: 20_000 })
      .toMatch(/^\d+ requests: .*\d+ × 429.*Retry-After: \d+ s/);
    const text = (await page.locator('#burst-result').textContent()) ?? '';
    const retryAfter = Number(/Retry-After: (\d+) s/.exec(text)?.[1]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    const minute = page.locator('#quota-rows tr[data-window="minute"]');
    await expect.poll(() => minute.textContent()).toContain('10 / 10');
  });

  it('looks right: saves the screenshot docs/gateway.md embeds', async () => {
    // Let one more poll land so the panels show the state after the burst.
    await expect.poll(() => page.locator('#stream-count').textContent()).toBe('0');
    const target =
      process.env.UPDATE_SCREENSHOT === '1' ? DOCS_SCREENSHOT : join(scratch, 'playground.png');
    await page.screenshot({ path: target, fullPage: true });
    expect((await stat(target)).size).toBeGreaterThan(20_000);
  });

  it('resets the breaker and lets the mock recover with the admin token', async () => {
    await page.locator('#outage').click();
    await expect.poll(() => page.locator('#outage').getAttribute('aria-pressed')).toBe('false');
    await page.locator('[data-breaker="ai_model_mock"] button').click();
    const badge = page.locator('[data-breaker="ai_model_mock"] .badge');
    await expect.poll(() => badge.textContent()).toBe('CLOSED');
    expect(server.gateway.breakers.get('ai_model_mock').snapshot().state).toBe('CLOSED');
  });

  it('ran without console errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });

  it('says so when the gateway refuses the credentials or the WebSocket', async () => {
    await page.locator('#api-key').fill('sk-not-a-key');
    await page.locator('#credentials-form button[type=submit]').click();
    await expect
      .poll(() => page.locator('#identity').textContent())
      .toMatch(/^The gateway refused these credentials \(401: /);
    await page.locator('#send').click();
    await expect
      .poll(() => page.locator('#reply-summary').textContent())
      .toMatch(/^The WebSocket could not open: the gateway refused it/);
    await page.locator('#forget').click();
    await expect
      .poll(() => page.locator('#identity').textContent())
      .toBe('You are anonymous:127.0.0.1, tier FREE (no API key).');
  });

  it('calls as the demo key’s user once the key is pasted', async () => {
    await page.locator('#api-key').fill(DEMO_KEY);
    await page.locator('#credentials-form button[type=submit]').click();
    await expect
      .poll(() => page.locator('#identity').textContent())
      .toBe('You are demo, tier BASIC.');
    await page.locator('#message').fill('Hello as the demo user');
    await page.locator('#send').click();
    await expect
      .poll(() => page.locator('#reply-summary').textContent(), { timeout: 15_000 })
      .toMatch(/ · answered by mock$/);
    expect(sent.at(-1)).toMatchObject({ user_id: 'demo', message: 'Hello as the demo user' });
    await expect
      .poll(() => page.locator('#quota-rows tr[data-window="minute"]').textContent())
      .toContain('1 / 30');
    expect(consoleText.join('\n')).not.toContain(DEMO_KEY);
    await page.locator('#forget').click();
    await expect
      .poll(() => page.locator('#identity').textContent())
      .toBe('You are anonymous:127.0.0.1, tier FREE (no API key).');
  });

  it('tells the reader when JavaScript is off', async () => {
    // A browser with scripting off from the start, so the parser renders <noscript> as markup.
    const noScriptBrowser = await launchChromium(['--blink-settings=scriptEnabled=false']);
    try {
      const noScript = await noScriptBrowser.newPage();
      await noScript.goto(`${server.url}/`);
      const notice = noScript.locator('noscript .notice');
      expect(await notice.isVisible()).toBe(true);
      expect(await notice.textContent()).toContain('This page needs JavaScript');
      expect(await noScript.locator('#app').isVisible()).toBe(false);
    } finally {
      await noScriptBrowser.close();
    }
  });

  it('tells the reader when the browser has no WebSocket, and the status still works', async () => {
    const context = await browser.newContext();
    try {
      await context.addInitScript(() => {
        // biome-ignore lint/suspicious/noExplicitAny: removing a global on purpose
        delete (window as any).WebSocket;
      });
      const bare = await context.newPage();
      await bare.goto(`${server.url}/`);
      await expect.poll(() => bare.locator('#websocket-missing').isVisible()).toBe(true);
      expect(await bare.locator('#send').isDisabled()).toBe(true);
      await expect
        .poll(() => bare.locator('[data-breaker="ai_model_mock-backup"] .badge').textContent())
        .toBe('CLOSED');
    } finally {
      await context.close();
    }
  });
});
