const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

/**
 * Turns a client address into a rate-limit key. IPv4 stays as is, an IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.7`) becomes its IPv4 form, and any other IPv6 address is masked to
 * `ipv6Subnet` bits (`2001:db8:0:100::/56`), because one host usually holds a whole /64 or more and
 * could otherwise rotate through addresses to dodge its limit. Unparseable input is returned as is.
 *
 * @param address - The peer address, as in `socket.remoteAddress`.
 * @param ipv6Subnet - Prefix length kept for IPv6 (1–128), or `false` to key on the full address.
 *   Defaults to 56, the prefix ISPs commonly hand to one customer.
 *
 * @example
 * clientAddressKey('::ffff:10.0.0.1'); // '10.0.0.1'
 * clientAddressKey('2001:db8:aa:bb:1:2:3:4'); // '2001:db8:aa::/56'
 */
export function clientAddressKey(address: string, ipv6Subnet: number | false = 56): string {
  if (
    ipv6Subnet !== false &&
    !(Number.isInteger(ipv6Subnet) && ipv6Subnet >= 1 && ipv6Subnet <= 128)
  ) {
    throw new RangeError(`ipv6Subnet must be an integer from 1 to 128 or false, got ${ipv6Subnet}`);
  }
  if (!address.includes(':')) return address;
  const hextets = parseIpv6(address);
  if (hextets === undefined) return address;
  if (hextets.slice(0, 5).every((hextet) => hextet === 0) && hextets[5] === 0xffff) {
    const high = hextets[6] ?? 0;
    const low = hextets[7] ?? 0;
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  if (ipv6Subnet === false || ipv6Subnet === 128) return formatIpv6(hextets);
  const masked = hextets.map((hextet, index) => {
    const keptBits = Math.min(16, Math.max(0, ipv6Subnet - index * 16));
    return keptBits === 0 ? 0 : hextet & ((0xffff << (16 - keptBits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${ipv6Subnet}`;
}

/** Parses an IPv6 address (with optional zone and embedded IPv4) into eight 16-bit groups. */
function parseIpv6(input: string): number[] | undefined {
  let address = input.toLowerCase();
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  const pieces = part.split(':');
  for (const [index, piece] of pieces.entries()) {
    const ipv4 = index === pieces.length - 1 ? IPV4.exec(piece) : null;
    if (ipv4 !== null) {
      const octets = ipv4.slice(1).map(Number);
      if (octets.some((octet) => octet > 255)) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = octets;
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (HEXTET.test(piece)) {
      groups.push(Number.parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** RFC 5952 text form: lowercase, no leading zeros, the longest run of zero groups as `::`. */
function formatIpv6(hextets: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < hextets.length; start++) {
    let length = 0;
    while (start + length < hextets.length && hextets[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const text = hextets.map((hextet) => hextet.toString(16));
  if (bestStart === -1) return text.join(':');
  const head = text.slice(0, bestStart).join(':');
  const tail = text.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
