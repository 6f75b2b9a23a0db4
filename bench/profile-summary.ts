/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per area of the code
 * (a workspace package, a dependency, Node.js internals, GC) and the hottest functions.
 * Run: `npx tsx profile-summary.ts <file.cpuprofile> [functions to list]`.
 */
import { readFileSync } from 'node:fs';
import type { Profile } from './lib/cpu-profile.js';

/** The area a function belongs to, from its script URL. */
function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName === '' ? '(native)' : `(${functionName})`;
  if (url.startsWith('node:')) return 'node internals';
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(
    url,
  );
  if (dependency) return dependency[1]!;
  const workspace = /\/(packages\/[^/]+|examples\/[^/]+)\//.exec(url);
  if (workspace) return workspace[1]!;
  return url;
}

function summarize(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByArea = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    total += delta;
    const area = areaOf(frame.url, frame.functionName);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + delta);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|packages|examples)\//, '$1/')}:${frame.lineNumber + 1}`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + delta);
  });
  const lines = (entries: Map<string, number>, count: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return `busy ${(total / 1000).toFixed(0)} ms\n\nby area:\n${lines(selfByArea, 30)}\n\nhottest functions:\n${lines(selfByFunction, top)}`;
}

const [file, top = '40'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [functions to list]');
console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top)));
