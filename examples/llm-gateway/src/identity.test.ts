import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createAdminCheck,
  createIdentityResolver,
  generateAdminToken,
  readApiKey,
} from './identity.js';

describe('createIdentityResolver', () => {
  const sha = (value: string) => createHash('sha256').update(value).digest('hex');
  const resolver = createIdentityResolver({
    apiKeys: [
      { key: 'sk-alice', userId: 'alice', tier: 'PRO' },
      { keySha256: sha('sk-bob').toUpperCase(), userId: 'bob', tier: 'BASIC' },
    ],
  });

  it('maps keys, clear or hashed, to their user and tier', () => {
    expect(resolver.resolve('sk-alice', '10.0.0.1')).toEqual({
      ok: true,
      identity: { userId: 'alice', tier: 'PRO', anonymous: false },
    });
    expect(resolver.resolve('sk-bob', '10.0.0.1')).toMatchObject({
      ok: true,
      identity: { userId: 'bob', tier: 'BASIC' },
    });
  });

  it('treats a missing key as anonymous FREE keyed by address, and a wrong key as invalid', () => {
    expect(resolver.resolve(undefined, '10.0.0.7')).toEqual({
      ok: true,
      identity: { userId: 'anonymous:10.0.0.7', tier: 'FREE', anonymous: true },
    });
    expect(resolver.resolve('sk-nobody', '10.0.0.7')).toEqual({ ok: false, reason: 'invalid' });
    expect(resolver.resolve('', '10.0.0.7')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a missing key when keys are required', () => {
    const strict = createIdentityResolver({ apiKeys: [], requireApiKey: true });
    expect(strict.resolve(undefined, '10.0.0.7')).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('readApiKey', () => {
  it('prefers the bearer header, then the api_key query parameter', () => {
    expect(readApiKey('Bearer sk-1', { api_key: 'sk-2' })).toBe('sk-1');
    expect(readApiKey(undefined, { api_key: 'sk-2' })).toBe('sk-2');
    expect(readApiKey(undefined, undefined)).toBeUndefined();
    // A malformed header is a wrong key, not an anonymous request.
    expect(readApiKey('Basic dXNlcg==', undefined)).toBe('');
  });
});

describe('createAdminCheck', () => {
  it('accepts exactly the token', () => {
    const token = generateAdminToken();
    const check = createAdminCheck(token);
    expect(check(`Bearer ${token}`)).toBe(true);
    expect(check(`Bearer ${token}x`)).toBe(false);
    expect(check(token)).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(generateAdminToken()).not.toBe(token);
    expect(token.length).toBeGreaterThanOrEqual(32);
  });
});
