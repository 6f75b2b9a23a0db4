import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { useGateway } from './helpers.js';

/**
 * A page that behaves like the original design's browser client: it opens the assistant
 * socket, sends the design's message once open, and switches on `data.type`.
 */
const clientPage = (socketUrl: string) => `<!doctype html>
<html>
  <body>
    <div id="model"></div>
    <div id="progress"></div>
    <div id="response"></div>
    <div id="tokens"></div>
    <script>
      window.seenTypes = [];
      const ws = new WebSocket(${JSON.stringify(socketUrl)});
      ws.onopen = () => {
        ws.send(JSON.stringify({
          user_id: 'user-123',
          message: 'Generate a comprehensive strategy audit',
          mode: 'strategist',
          task_type: 'strategy_audit',
        }));
      };
      ws.onmessage = (event) => {
        const data = JSON.parse(event.data);
        window.seenTypes.push(data.type);
        switch (data.type) {
          case 'stream_start':
            document.getElementById('model').textContent = data.model;
            break;
          case 'stream_chunk':
            document.getElementById('response').textContent += data.content;
            document.getElementById('progress').textContent = String(data.progress_percent);
            break;
          case 'stream_end':
            document.getElementById('tokens').textContent = String(data.total_tokens);
            break;
        }
      };
    </script>
  </body>
</html>`;

describe("the original design's browser client in headless Chromium", () => {
  const gateway = useGateway({
    models: [
      {
        name: 'mock',
        provider: 'mock',
        mock: { ttftMs: 5, tokensPerSecond: 400, outputTokens: 40 },
      },
    ],
  });
  let browser: Browser;
  let page: Server;
  let pageUrl = '';

  beforeAll(async () => {
    const socketUrl = `${gateway.url.replace('http', 'ws')}/ws/assistant/session-123`;
    // The page is served from its own origin on this machine, as a local front end would be.
    page = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(clientPage(socketUrl));
    });
    page.listen(0, '127.0.0.1');
    await once(page, 'listening');
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    page?.closeAllConnections();
    await new Promise((resolve) => page?.close(resolve));
  });

  it('receives stream_start, stream_chunk and stream_end and fills the response element', async () => {
    const tab = await browser.newPage();
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => document.getElementById('tokens')?.textContent !== '', null, {
      timeout: 20_000,
    });
    const seen = await tab.evaluate(() => (window as unknown as { seenTypes: string[] }).seenTypes);
    expect(seen[0]).toBe('stream_start');
    expect(seen).toContain('stream_chunk');
    expect(seen.at(-1)).toBe('stream_end');
    expect(await tab.textContent('#model')).toBe('mock');
    const text = (await tab.textContent('#response')) ?? '';
    expect(text.trim().split(/\s+/)).toHaveLength(40);
    expect(Number(await tab.textContent('#progress'))).toBeGreaterThan(0);
    expect(await tab.textContent('#tokens')).toBe('40');
    await tab.close();
  });
});
