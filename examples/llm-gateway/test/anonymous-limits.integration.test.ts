import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from './helpers.js';

const chat = { message: 'hi' };

/** POSTs to /api/chat as the client at `address` (the gateway trusts X-Forwarded-For here). */
function chatFrom(url: string, address: string, body: unknown = chat, headers = {}) {
  return postJson(`${url}/api/chat`, body, { 'x-forwarded-for': address, ...headers });
}

describe('anonymous clients are keyed fairly and cheaply', () => {
  const server = useGateway({
    trustProxy: true,
    maxAnonymousClients: 50,
    apiKeys: [{ key: 'sk-fay', userId: 'fay', tier: 'FREE' }],
  });

  it('groups IPv6 addresses by /56: a host rotating through its /64 shares one FREE quota', async () => {
    const statuses: number[] = [];
    for (let index = 1; index <= 15; index++) {
      const response = await chatFrom(server.url, `2001:db8:aa:bb::${index.toString(16)}`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429]);
    // Another /56 is another client.
    const other = await chatFrom(server.url, '2001:db8:aa:1bb::1');
    await other.arrayBuffer();
    expect(other.status).toBe(200);
  });

  it('refuses 415, 400 and 404 before spending any rate-limit state', async () => {
    const address = '198.51.100.7';
    for (let index = 0; index < 12; index++) {
      const plain = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-forwarded-for': address },
        body: 'hi',
      });
      expect(plain.status).toBe(415);
      const invalid = await chatFrom(server.url, address, { message: 'hi', tier: 'PRO' });
      expect(invalid.status).toBe(400);
      const missing = await fetch(`${server.url}/api/nothing-here`, {
        method: 'POST',
        headers: { 'x-forwarded-for': address },
      });
      expect(missing.status).toBe(404);
    }
    const first = await chatFrom(server.url, address);
    await first.arrayBuffer();
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit')).toMatch(/"minute";r=9;/);
  });

  it('never evicts a user with a key, however many anonymous addresses arrive', async () => {
    const auth = { authorization: 'Bearer sk-fay' };
    for (let index = 0; index < 10; index++) {
      const response = await chatFrom(server.url, '192.0.2.1', chat, auth);
      await response.arrayBuffer();
      expect(response.status).toBe(200);
    }
    // More distinct anonymous clients than the in-memory limit keeps.
    for (let index = 0; index < 120; index++) {
      const response = await chatFrom(server.url, `10.1.${index >> 8}.${index & 255}`);
      await response.arrayBuffer();
    }
    const after = await chatFrom(server.url, '192.0.2.1', chat, auth);
    await after.arrayBuffer();
    expect(after.status).toBe(429);
  });
});
