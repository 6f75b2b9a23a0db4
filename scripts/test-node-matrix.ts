/**
 * Runs the whole test suite (every package and the gateway's end-to-end tests) again on each
 * other supported Node.js major, with Node binaries from the npm registry (see
 * release/node-binaries.ts). `pnpm test` covers the Node.js that runs the scripts.
 *
 * Extra arguments go to vitest: `pnpm test:node-matrix packages/metrics` runs one package.
 * NODE_MATRIX=off skips it where each Node.js version is a job of its own (GitHub Actions).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_VERSIONS, type NodeMajor, nodeBinary } from './release/node-binaries.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = join(
  dirname(createRequire(join(root, 'package.json')).resolve('vitest/package.json')),
  'vitest.mjs',
);
const running = Number(process.versions.node.split('.')[0]);
const majors =
  process.env.NODE_MATRIX === 'off'
    ? []
    : (Object.keys(NODE_VERSIONS).map(Number) as NodeMajor[]).filter((major) => major !== running);
const failed: number[] = [];
if (process.env.NODE_MATRIX === 'off') {
  console.log('NODE_MATRIX=off: the other Node.js versions are tested elsewhere');
}

for (const major of majors) {
  const node = nodeBinary(root, major);
  const started = Date.now();
  console.log(
    `\n── Node.js ${NODE_VERSIONS[major]}: vitest run ${process.argv.slice(2).join(' ')}`,
  );
  // The suite spawns workers and fixtures with process.execPath; `node` on the PATH matches it.
  const result = spawnSync(
    node,
    [
      vitest,
      'run',
      '--reporter=dot',
      '--reporter=./scripts/summary-reporter.ts',
      ...process.argv.slice(2),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` },
    },
  );
  console.log(
    `── Node.js ${NODE_VERSIONS[major]}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (result.status !== 0) failed.push(major);
}

if (failed.length) {
  console.error(`the test suite failed on Node.js ${failed.join(', ')}`);
  process.exit(1);
}
