/**
 * Summarizes a V8 heap snapshot: objects grouped by constructor (or kind), with their count and
 * shallow size, largest first. Give a second snapshot to see what the second holds more of
 * (e.g. with streams open minus idle). Run: `npx tsx heap-summary.ts [before] after [rows]`.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

function groups(file: string): Map<string, Group> {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const kinds = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const result = new Map<string, Group>();
  for (let index = 0; index < heap.nodes.length; index += width) {
    const kind = kinds[heap.nodes[index + typeAt]!]!;
    const name = heap.strings[heap.nodes[index + nameAt]!]!;
    // Objects and closures by name; strings, arrays, code and the rest by kind.
    const key =
      kind === 'object' || kind === 'closure' ? `${kind} ${name.slice(0, 60)}` : `(${kind})`;
    const group = result.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += heap.nodes[index + sizeAt]!;
    result.set(key, group);
  }
  return result;
}

const args = process.argv.slice(2);
const rows = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 40;
const [first, second] = args;
if (!first)
  throw new Error('usage: heap-summary.ts [before.heapsnapshot] after.heapsnapshot [rows]');
const after = groups(second ?? first);
const before = second ? groups(first) : new Map<string, Group>();
const difference = [...after].map(([key, group]) => {
  const base = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: group.count - base.count, bytes: group.bytes - base.bytes };
});
difference.sort((a, b) => b.bytes - a.bytes);
const total = difference.reduce((sum, entry) => sum + entry.bytes, 0);
console.log(`total ${(total / 1024 / 1024).toFixed(1)} MiB`);
for (const entry of difference.slice(0, rows)) {
  console.log(
    `${(entry.bytes / 1024).toFixed(0).padStart(9)} KiB ${String(entry.count).padStart(9)}  ${entry.key}`,
  );
}
