import { describe, expect, it } from 'vitest';
import { clusterSlot } from './cluster-slot.js';

describe('clusterSlot', () => {
  it('matches the slots Redis documents', () => {
    // The specification's CRC16 check value, and `CLUSTER KEYSLOT foo`.
    expect(clusterSlot('123456789')).toBe(0x31c3 & 0x3fff);
    expect(clusterSlot('foo')).toBe(12182);
  });

  it('hashes only the hash tag when there is one', () => {
    expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('user1000'));
    expect(clusterSlot('{rl:u}:h')).toBe(clusterSlot('{rl:u}'));
    // An empty tag does not count: the whole key is hashed.
    expect(clusterSlot('foo{}{bar}')).not.toBe(clusterSlot('bar'));
    expect(clusterSlot('foo{{bar}}zap')).toBe(clusterSlot('{bar'));
  });
});
