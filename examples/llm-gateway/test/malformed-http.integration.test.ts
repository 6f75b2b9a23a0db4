import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

/** Sends raw bytes and resolves with the whole answer once the server closes or goes quiet. */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (piece: string) => {
      answer += piece;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    // A parse error closes the connection; a complete response on a live one ends the wait too.
    socket.setTimeout(1000, () => socket.destroy());
    socket.write(bytes);
  });
}

/** Status, headers and parsed body of a raw HTTP/1.1 answer. */
function parse(answer: string) {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  const status = Number(head.split(' ')[1]);
  return { status, head: head.toLowerCase(), body: body ? JSON.parse(body) : undefined };
}

const evilPath = '/api/<script>alert(1)</script>';

describe('malformed HTTP gets problem+json, never an echo of the path', () => {
  const server = useGateway({});

  it.each([
    [
      'duplicate Content-Length',
      'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      400,
    ],
    [
      'a bad Transfer-Encoding',
      'POST /api/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      400,
    ],
    ['a malformed request line', 'GET / HTTP/9\r\n\r\n', 400],
    [
      'headers over 16 KiB',
      `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
    [
      'a request target over 8 KiB',
      `GET /api/health?${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      414,
    ],
    [
      'bad percent-encoding',
      `GET ${evilPath}/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      400,
    ],
    ['an unknown path', `GET ${evilPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 404],
    [
      'a WebSocket upgrade with a bad key',
      'GET /ws/assistant/s1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n',
      400,
    ],
    [
      'a WebSocket upgrade with an unknown version',
      'GET /ws/assistant/s1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      400,
    ],
    [
      'a WebSocket upgrade to a route without WebSocket',
      'GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      404,
    ],
    [
      'a plain GET on the WebSocket route',
      'GET /ws/assistant/s1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      426,
    ],
  ])('answers %s with problem+json', async (_name, bytes, status) => {
    const answer = parse(await rawRequest(server.url, bytes));
    expect(answer.status).toBe(status);
    expect(answer.head).toContain('content-type: application/problem+json');
    expect(answer.body).toMatchObject({ status, type: 'about:blank' });
    expect(answer.body.error).toMatchObject({ message: expect.any(String) });
    expect(JSON.stringify(answer.body)).not.toContain('<script>');
  });

  it('refuses bodies nested deeper than 32 levels before parsing them', async () => {
    const nested = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"messages":[{"role":"user","content":"hi"}],"stream_options":${nested}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'json_too_deep' });
  });

  it('validates stream_options: only its known boolean fields', async () => {
    const response = await postJson(`${server.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: [[[1]]] },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('answers text/plain bodies with 415', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('still serves after all of it', async () => {
    const response = await postJson(`${server.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(response.status).toBe(200);
  });
});
