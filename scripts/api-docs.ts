/**
 * Generates the API reference (docs/api/) from the packages' JSDoc with TypeDoc.
 * `--check` regenerates into a temporary folder and fails when docs/api differs, so CI
 * catches a stale reference. Regenerate with `pnpm docs:api`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'docs', 'api');
const check = process.argv.includes('--check');
const out = check ? mkdtempSync(join(tmpdir(), 'breakwater-api-')) : target;

const typedoc = join(root, 'scripts', 'node_modules', 'typedoc', 'bin', 'typedoc');
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [typedoc, '--options', 'typedoc.json', '--out', out], {
  cwd: join(root, 'scripts'),
  stdio: 'inherit',
});

if (check) {
  const list = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
          .sort()
      : [];
  const expected = list(out);
  const actual = list(target);
  const stale = [
    ...expected.filter((file) => !actual.includes(file)).map((file) => `missing ${file}`),
    ...actual.filter((file) => !expected.includes(file)).map((file) => `extra ${file}`),
    ...expected
      .filter((file) => actual.includes(file))
      .filter(
        (file) =>
          readFileSync(join(out, file), 'utf8') !== readFileSync(join(target, file), 'utf8'),
      )
      .map((file) => `changed ${file}`),
  ];
  rmSync(out, { recursive: true, force: true });
  if (stale.length) {
    console.error(`docs/api is stale (run \`pnpm docs:api\`):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`docs/api is current (${expected.length} files)`);
}
