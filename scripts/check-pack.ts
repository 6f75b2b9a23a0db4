/**
 * Checks what `npm pack` would publish for each package: only dist/, README.md, LICENSE,
 * CHANGELOG.md and package.json; no tests; no source maps, nor a `sourceMappingURL` comment
 * pointing at one (see "Package contents" in docs/releasing.md). Run after `pnpm build`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics'];
const allowed = /^(dist\/.+|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
const problems: string[] = [];

for (const name of packages) {
  const dir = join(root, 'packages', name);
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [report] = JSON.parse(output) as Array<{ files: Array<{ path: string }> }>;
  const files = report?.files.map((file) => file.path) ?? [];
  for (const required of [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/index.js',
    'dist/index.cjs',
    'dist/index.d.ts',
    'dist/index.d.cts',
  ]) {
    if (!files.includes(required)) problems.push(`@breakwater/${name}: ${required} is not packed`);
  }
  for (const file of files) {
    if (!allowed.test(file)) problems.push(`@breakwater/${name}: unexpected file ${file}`);
    if (/\.test\.|__fixtures__|\.integration\./.test(file))
      problems.push(`@breakwater/${name}: test file ${file}`);
    if (file.endsWith('.map')) problems.push(`@breakwater/${name}: source map ${file}`);
    if (
      /\.[cm]?js$/.test(file) &&
      readFileSync(join(dir, file), 'utf8').includes('sourceMappingURL=')
    ) {
      problems.push(`@breakwater/${name}: ${file} points at a source map`);
    }
  }
  console.log(`@breakwater/${name}: ${files.length} files packed`);
}

if (problems.length) {
  console.error(`\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('package contents: ok');
