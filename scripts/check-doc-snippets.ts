/**
 * Extracts every TypeScript code block (```ts / ```typescript) from README.md, docs/ and the
 * package READMEs, writes each to its own module, and typechecks them all against the BUILT
 * packages (their published .d.ts), so the docs can never drift from the code.
 * Run after `pnpm build`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'scripts', '.doc-snippets');
const packages = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics'];

function markdownFiles(): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'api') walk(path);
      } else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  for (const base of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, base))) {
      const readme = join(root, base, name, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files;
}

const fence = /^```(ts|typescript)\b[^\n]*\n([\s\S]*?)^```\s*$/gm;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const index: string[] = [];
for (const file of markdownFiles()) {
  const text = readFileSync(file, 'utf8');
  let count = 0;
  for (const match of text.matchAll(fence)) {
    count++;
    const line = text.slice(0, match.index).split('\n').length + 1;
    const name = `${relative(root, file).replace(/[^a-zA-Z0-9]+/g, '_')}_${count}.ts`;
    // Each snippet is its own module so top-level names never collide between snippets.
    writeFileSync(
      join(outDir, name),
      `// ${relative(root, file)}:${line}\n${match[2]}\nexport {};\n`,
    );
    index.push(`${relative(root, file)}:${line}`);
  }
}

const paths = {
  ...Object.fromEntries(
    packages.map((name) => [`@breakwater/${name}`, [`../../packages/${name}/dist/index.d.ts`]]),
  ),
  '@breakwater/llm-stream/ai-sdk': ['../../packages/llm-stream/dist/ai-sdk.d.ts'],
  '@breakwater/metrics/tracing': ['../../packages/metrics/dist/tracing.d.ts'],
};
for (const name of packages) {
  const types = join(root, 'packages', name, 'dist', 'index.d.ts');
  if (!existsSync(types)) {
    console.error(`missing ${relative(root, types)}: run \`pnpm build\` before checking snippets`);
    process.exit(1);
  }
}
writeFileSync(
  join(outDir, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, paths, noUnusedLocals: false, types: ['node'] },
      include: ['./*.ts'],
    },
    null,
    2,
  ),
);

const tsc = join(dirname(fileURLToPath(import.meta.resolve('typescript'))), '..', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: outDir,
  });
} catch {
  console.error(
    '\nA documentation snippet no longer compiles: the comment on line 1 of each failing file in scripts/.doc-snippets names the Markdown file and line.',
  );
  process.exit(1);
}
console.log(`doc snippets: ${index.length} TypeScript blocks compile against the built packages`);
