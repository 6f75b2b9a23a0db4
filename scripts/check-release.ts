/**
 * Releases for real, to a throw-away registry, and installs what users get (run after
 * `pnpm build`, from `pnpm check:release`, which puts `pnpm` on the PATH for `changeset publish`):
 *
 * 1. In a temporary copy of the workspace, `changeset version`: every published package is
 *    bumped and gets a CHANGELOG.md entry; the private ones are untouched.
 * 2. `changeset publish` to a local Verdaccio.
 * 3. A fresh npm project installs the four packages without any optional peer: the manifests
 *    carry nothing of the monorepo, every file `files` names is there, the types compile under
 *    strict settings with skipLibCheck off, and the packages run as ESM, through require() and
 *    bundled by esbuild.
 * 4. Two more projects install every peer at the lowest and at the highest version the declared
 *    ranges allow, and drive each SDK, ioredis and prom-client through the packages (the highest
 *    on Node.js 22, which the newest SDK majors require).
 *
 * KEEP_RELEASE_WORK=1 keeps the temporary folder (registry storage, consumers) to look into.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeLlmServer, startRedisServer } from '@breakwater/testing';
import semver from 'semver';
import { ConsumerProject } from './release/consumer-project.js';
import { startLocalRegistry } from './release/local-registry.js';
import { nodeBinary } from './release/node-binaries.js';
import { PUBLISHED, ReleaseCopy } from './release/release-copy.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;
const rootRequire = createRequire(join(root, 'package.json'));
const toolVersions = {
  typescript: rootRequire('typescript/package.json').version as string,
  '@types/node': JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies[
    '@types/node'
  ] as string,
};

const work = mkdtempSync(join(tmpdir(), 'breakwater-release-'));

const problems: string[] = [];
const started = Date.now();
const step = (message: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);

try {
  const copy = new ReleaseCopy(root, work);
  const versions = copy.version();
  for (const { before, after, changelog } of versions) {
    if (before.version === after.version) problems.push(`${after.name}: version not bumped`);
    if (changelog === null) problems.push(`${after.name}: no CHANGELOG.md generated`);
    else if (!changelog.includes(`## ${after.version}`)) {
      problems.push(`${after.name}: CHANGELOG.md lacks ## ${after.version}`);
    }
  }
  fail();
  step(
    `changeset version: ${versions.map(({ after }) => `${after.name}@${after.version}`).join(', ')}`,
  );

  const registry = await startLocalRegistry(work);
  try {
    const publisherConfig = join(work, 'publisher.npmrc');
    writeFileSync(publisherConfig, `registry=${registry.url}\n${registry.npmrc}`);
    copy.publish(registry.url, publisherConfig);
    step(`changeset publish: ${PUBLISHED.length} packages on the local registry`);

    const breakwater = Object.fromEntries(versions.map(({ after }) => [after.name, after.version]));
    await checkWithoutPeers(
      await ConsumerProject.create({
        dir: join(work, 'consumer-no-peers'),
        npmrc: registry.npmrc,
        dependencies: { ...breakwater, ...toolVersions },
      }),
      versions.map(({ after }) => after),
      copy.privateNames,
    );
    await checkPeers(registry.npmrc, breakwater, copy.dir);
    fail();
  } finally {
    await registry.stop();
  }
  console.log('release to a local registry, installs and smoke tests: ok');
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  if (process.env.KEEP_RELEASE_WORK) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

async function checkWithoutPeers(
  consumer: ConsumerProject,
  published: ReadonlyArray<{ name: string; version: string }>,
  privateNames: readonly string[],
) {
  for (const { name, version } of published) {
    const manifest = consumer.manifest(name);
    if (manifest.version !== version) problems.push(`${name}: installed ${manifest.version}`);
    if (JSON.stringify(manifest).includes('workspace:')) {
      problems.push(`${name}: the published package.json has a workspace: range`);
    }
    for (const field of DEPENDENCY_FIELDS) {
      const names = Object.keys((manifest[field] as Record<string, string> | undefined) ?? {});
      for (const leaked of names.filter((dependency) => privateNames.includes(dependency))) {
        problems.push(`${name}: ${field} names the private ${leaked}`);
      }
    }
    for (const file of manifest.files ?? []) {
      if (!existsSync(join(consumer.packageDir(name), file))) {
        problems.push(`${name}: "files" names ${file}, which the package does not contain`);
      }
    }
  }
  // An optional peer may still arrive as a plain dependency of something else
  // (prom-client depends on @opentelemetry/api); only our own peer edges must not pull it in.
  for (const peer of optionalPeers()) {
    if (consumer.has(peer) && consumer.dependentsOf(peer).length === 0)
      problems.push(`optional peer ${peer} was installed without being asked`);
  }
  step(`no-peers consumer: installed from the registry; ${problems.length} manifest problems`);

  // Type errors are reported at the end; the runtime checks below do not depend on them.
  const typeErrors = await consumer.typecheck('tsconfig.json');
  problems.push(...typeErrors.map((line) => `no-peers consumer: ${line}`));
  step(
    `no-peers consumer: tsc (node16, strict, exactOptionalPropertyTypes, skipLibCheck off): ${typeErrors.length ? `${typeErrors.length} errors` : 'ok'}`,
  );
  await consumer.run('node', ['out/app.mjs']);
  await consumer.run('node', ['out/app.cjs']);
  const esbuild = createRequire(rootRequire.resolve('tsup/package.json'))('esbuild');
  esbuild.buildSync({
    absWorkingDir: consumer.dir,
    entryPoints: ['out/app.mjs'],
    outfile: 'bundle/app.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
    // The usual recipe for CommonJS dependencies (prom-client) inside an ES module bundle.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  await consumer.run('node', ['bundle/app.mjs', 'bundle']);
  step('no-peers consumer: ESM, require() and an esbuild bundle run');
}

async function checkPeers(npmrc: string, breakwater: Record<string, string>, releaseDir: string) {
  // openai and @google/genai need ws ^8.18 themselves, so ws@8.0.0 cannot sit beside them:
  // npm picks the ws they agree on, and llm-stream's structural WebSocketLike is tested in-repo.
  const { ws: _ws, ...ranges } = peerRanges(releaseDir);
  const llm = await startFakeLlmServer();
  const redis = await startRedisServer();
  try {
    for (const end of ['lowest', 'highest'] as const) {
      const peers = Object.fromEntries(
        Object.entries(ranges).map(([name, range]) => [
          name,
          end === 'lowest' ? lowestPublished(name, range) : range,
        ]),
      );
      // The newest majors of openai and @google/genai require Node.js 22.
      const onOlderNode = Number(process.versions.node.split('.')[0]) < 22;
      const node = end === 'highest' && onOlderNode ? nodeBinary(root, 22) : process.execPath;
      const consumer = await ConsumerProject.create({
        dir: join(work, `consumer-${end}-peers`),
        npmrc,
        dependencies: { ...breakwater, ...peers, ...toolVersions },
        node,
      });
      const installed = Object.keys(peers)
        .map((name) => `${name}@${consumer.manifest(name).version}`)
        .join(', ');
      const typeErrors = await consumer.typecheck('tsconfig.peers.json');
      problems.push(...typeErrors.map((line) => `${end} peers consumer: ${line}`));
      await consumer.run('node', ['out/peers.mjs'], {
        FAKE_LLM_URL: llm.url,
        REDIS_URL: redis.url,
      });
      step(
        `${end} peers on Node.js ${(await consumer.run('node', ['--version'])).trim()}: ${installed}${typeErrors.length ? ` (tsc: ${typeErrors.length} errors)` : ''}`,
      );
    }
  } finally {
    await Promise.all([llm.close(), redis.stop()]);
  }
}

/** Every peer range the published packages declare, by peer name (one range per peer). */
function peerRanges(releaseDir: string): Record<string, string> {
  const ranges: Record<string, string> = {};
  for (const name of PUBLISHED) {
    const manifest = JSON.parse(
      readFileSync(join(releaseDir, 'packages', name, 'package.json'), 'utf8'),
    );
    for (const [peer, range] of Object.entries<string>(manifest.peerDependencies ?? {})) {
      if (ranges[peer] !== undefined && ranges[peer] !== range) {
        problems.push(`${peer} has two peer ranges: ${ranges[peer]} and ${range}`);
      }
      ranges[peer] = range;
    }
  }
  return ranges;
}

/** The lowest published version in `range` (its floor, e.g. 0.50.0, may never have shipped). */
function lowestPublished(name: string, range: string): string {
  const found: string | string[] = JSON.parse(
    execFileSync('npm', ['view', `${name}@${range}`, 'version', '--json'], { encoding: 'utf8' }),
  );
  const [lowest] = semver.sort([found].flat());
  if (!lowest) throw new Error(`no published version of ${name} satisfies ${range}`);
  return lowest;
}

function optionalPeers(): string[] {
  return PUBLISHED.flatMap((name) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    return Object.entries<{ optional?: boolean }>(manifest.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([peer]) => peer);
  });
}

/** Stops at the first step that found problems (the finally blocks stop the servers). */
function fail() {
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
