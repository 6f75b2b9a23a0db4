/**
 * Node.js binaries of other majors, from the npm registry's `node-<platform>-<arch>` packages
 * (each ships `bin/node`), installed once into node_modules/.cache and reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The Node.js versions tested besides the one running the scripts; bump them here. */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' } as const;
export type NodeMajor = keyof typeof NODE_VERSIONS;

const platform = process.platform === 'win32' ? 'win' : process.platform;
const PACKAGE = `node-${platform}-${process.arch}`;

/** Path of the `node` executable of `major`, installed into `<root>/node_modules/.cache` on first use. */
export function nodeBinary(root: string, major: NodeMajor): string {
  const version = NODE_VERSIONS[major];
  const prefix = join(root, 'node_modules', '.cache', 'breakwater-node', version);
  const bin = join(prefix, 'node_modules', PACKAGE, 'bin', 'node');
  if (existsSync(bin)) return bin;
  console.log(`installing Node.js ${version} (${PACKAGE}) into node_modules/.cache`);
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${PACKAGE}@${version}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const reported = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (reported !== `v${version}`)
    throw new Error(`${bin} reports ${reported}, expected v${version}`);
  return bin;
}
