/**
 * Dry run of a release: copies the workspace manifests and .changeset/ into a temporary
 * folder, runs `changeset version` there, and checks that every published package gets a
 * version bump and a CHANGELOG entry while the private ones stay untouched.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const published = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics'];
const privateManifests = ['packages/testing', 'examples/llm-gateway', 'bench', 'scripts'];
const work = mkdtempSync(join(tmpdir(), 'breakwater-changesets-'));
const problems: string[] = [];

try {
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset']) {
    cpSync(join(root, file), join(work, file), { recursive: true });
  }
  for (const dir of [...published.map((name) => `packages/${name}`), ...privateManifests]) {
    mkdirSync(join(work, dir), { recursive: true });
    cpSync(join(root, dir, 'package.json'), join(work, dir, 'package.json'));
  }
  // The changelog generator is resolved from the workspace's node_modules.
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  execFileSync('git', ['init', '-q'], { cwd: work });
  const cli = join(
    dirname(fileURLToPath(import.meta.resolve('@changesets/cli/package.json'))),
    'bin.js',
  );
  execFileSync(process.execPath, [cli, 'version'], { cwd: work, stdio: 'inherit' });

  for (const name of published) {
    const before = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    const after = JSON.parse(readFileSync(join(work, 'packages', name, 'package.json'), 'utf8'));
    const changelog = join(work, 'packages', name, 'CHANGELOG.md');
    if (before.version === after.version) problems.push(`@breakwater/${name}: version not bumped`);
    if (!existsSync(changelog)) problems.push(`@breakwater/${name}: no CHANGELOG.md generated`);
    else if (!readFileSync(changelog, 'utf8').includes(`## ${after.version}`)) {
      problems.push(`@breakwater/${name}: CHANGELOG.md lacks ## ${after.version}`);
    } else console.log(`@breakwater/${name}: ${before.version} → ${after.version}, CHANGELOG ok`);
  }
  for (const dir of privateManifests) {
    const before = readFileSync(join(root, dir, 'package.json'), 'utf8');
    const after = readFileSync(join(work, dir, 'package.json'), 'utf8');
    if (JSON.parse(before).version !== JSON.parse(after).version)
      problems.push(`${dir}: private package was versioned`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('changeset version (dry run): ok');
