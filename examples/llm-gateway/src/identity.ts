import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from './config.js';

/** Who is calling: from an API key, or anonymous (FREE tier, keyed by client address). */
export interface Identity {
  readonly userId: string;
  readonly tier: string;
  readonly anonymous: boolean;
}

/** The outcome of reading credentials: an identity, or why there is none. */
export type IdentityResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

/** Tier of every anonymous caller. */
export const ANONYMOUS_TIER = 'FREE';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Maps API keys to identities. Keys are kept as SHA-256 digests only. */
export interface IdentityResolver {
  /** Resolves a presented key: undefined when the request carried none; '' (a malformed header) is invalid. */
  resolve(apiKey: string | undefined, clientAddress: string): IdentityResult;
}

/** Options for {@link createIdentityResolver}. */
export interface IdentityResolverOptions {
  readonly apiKeys: readonly ApiKeyConfig[];
  /** Refuse requests without a key. @default false */
  readonly requireApiKey?: boolean;
}

/** Builds the key → identity lookup; a lookup costs one SHA-256 and one map read. */
export function createIdentityResolver(options: IdentityResolverOptions): IdentityResolver {
  const byDigest = new Map<string, Identity>();
  for (const entry of options.apiKeys) {
    const digest = entry.keySha256
      ? entry.keySha256.toLowerCase()
      : sha256(entry.key!).toString('hex');
    byDigest.set(digest, { userId: entry.userId, tier: entry.tier, anonymous: false });
  }
  const requireApiKey = options.requireApiKey ?? false;
  return {
    resolve(apiKey, clientAddress) {
      if (apiKey === undefined) {
        if (requireApiKey) return { ok: false, reason: 'missing' };
        return {
          ok: true,
          identity: { userId: `anonymous:${clientAddress}`, tier: ANONYMOUS_TIER, anonymous: true },
        };
      }
      // Looking up the digest, not the key, keeps the map's string comparison off the secret.
      const identity = byDigest.get(sha256(apiKey).toString('hex'));
      return identity ? { ok: true, identity } : { ok: false, reason: 'invalid' };
    },
  };
}

/** Reads `Authorization: Bearer <key>`, else the `api_key` query parameter (browser WebSockets). */
export function readApiKey(
  authorization: string | undefined,
  query: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : '';
  }
  const fromQuery = query?.api_key;
  return typeof fromQuery === 'string' ? fromQuery : undefined;
}

/** Checks an admin bearer token in constant time (both sides hashed to equal length first). */
export function createAdminCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = sha256(token);
  return (authorization) => {
    const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    const presented = sha256(match?.[1] ?? '');
    return timingSafeEqual(expected, presented) && match !== null;
  };
}

/** A fresh random admin token, for when none is configured. */
export function generateAdminToken(): string {
  return randomBytes(24).toString('base64url');
}
