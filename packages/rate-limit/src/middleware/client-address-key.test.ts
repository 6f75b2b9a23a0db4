import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address-key.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 and unwraps IPv4-mapped IPv6 in both notations', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:7f00:1')).toBe('127.0.0.1');
  });

  it('masks IPv6 to the subnet so one host cannot rotate through its own prefix', () => {
    expect(clientAddressKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa::/56');
    expect(clientAddressKey('2001:db8:aa:ff:ffff::9')).toBe('2001:db8:aa::/56');
    expect(clientAddressKey('2001:db8:aa:bb:1:2:3:4', 64)).toBe('2001:db8:aa:bb::/64');
    expect(clientAddressKey('2001:db8:aa:bb:1:2:3:4', 60)).toBe('2001:db8:aa:b0::/60');
    expect(clientAddressKey('2001:0DB8:0:0:1:0:0:1', false)).toBe('2001:db8::1:0:0:1');
    expect(clientAddressKey('fe80::1%eth0', false)).toBe('fe80::1');
    expect(clientAddressKey('::1', 128)).toBe('::1');
    expect(clientAddressKey('1:2:3:4:5:6:7:8', 128)).toBe('1:2:3:4:5:6:7:8');
  });

  it('returns unparseable input unchanged and validates the subnet', () => {
    expect(clientAddressKey('not:an:address')).toBe('not:an:address');
    expect(clientAddressKey('1::2::3')).toBe('1::2::3');
    expect(clientAddressKey('::ffff:300.1.1.1')).toBe('::ffff:300.1.1.1');
    expect(() => clientAddressKey('::1', 0)).toThrow(
      new RangeError('ipv6Subnet must be an integer from 1 to 128 or false, got 0'),
    );
  });
});
