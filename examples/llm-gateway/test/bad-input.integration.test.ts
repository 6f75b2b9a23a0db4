import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

const problemType = /^application\/problem\+json/;

/** Sends raw bytes, so malformed bodies reach the server as they are. */
function rawPost(url: string, body: string, contentType = 'application/json') {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

describe('bad input is answered with problem+json and the server stays healthy', () => {
  const server = useGateway({ bodyLimitBytes: 4096 });

  it('answers malformed JSON with 400', async () => {
    const response = await rawPost(`${server.url}/v1/chat/completions`, '{"messages": [');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemType);
    const body = await response.json();
    expect(body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(js|ts):\d+/);
  });

  it('answers an oversized body with 413', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(10_000) });
    const response = await rawPost(`${server.url}/api/chat`, big);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(problemType);
    expect(await response.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
  });

  it('answers a body that breaks the schema with 400 and the failing field', async () => {
    const response = await postJson(`${server.url}/v1/chat/completions`, { messages: [] });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(body.detail).toContain('messages');
    const extra = await postJson(`${server.url}/api/chat`, { message: 'hi', tier: 'ENTERPRISE' });
    expect(extra.status).toBe(400);
    expect((await extra.json()).detail).toContain('additional properties');
  });

  it('answers an unsupported media type with 415', async () => {
    const response = await rawPost(
      `${server.url}/api/chat`,
      'message=hi',
      'application/x-www-form-urlencoded',
    );
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(problemType);
  });

  it('answers unknown routes and methods with 404', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', '/api/health'],
      ['GET', '/v1/models/../../etc/passwd'],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(problemType);
      expect(await response.json()).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it('answers a body that ends early without hanging or crashing', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '100' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(-1));
      request.write('{"message":');
      setTimeout(() => request.destroy(), 50);
      setTimeout(() => reject(new Error('no answer')), 5000);
    });
    expect([400, -1]).toContain(status);
  });

  it('is still healthy and serving after all of it', async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).status).toBe('healthy');
    const response = await postJson(`${server.url}/v1/chat/completions`, {
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(response.status).toBe(200);
  });
});
