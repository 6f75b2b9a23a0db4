/**
 * The changesets release flow (`changeset version`, then `changeset publish`) run in a
 * temporary copy of the workspace, so the working tree is never touched. The copy holds what
 * a release reads: the manifests, `.changeset/`, and each published package's README, LICENSE
 * and built `dist/` (run `pnpm build` first).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PUBLISHED = ['rate-limit', 'circuit-breaker', 'llm-stream', 'metrics'] as const;
const PRIVATE_MANIFESTS = ['packages/testing', 'examples/llm-gateway', 'bench', 'scripts'];
const PACKAGE_FILES = ['package.json', 'README.md', 'LICENSE', 'dist'];

export interface VersionedPackage {
  readonly name: string;
  readonly version: string;
}

export class ReleaseCopy {
  readonly dir: string;
  /** Names of the workspace's private packages, which nothing published may name. */
  readonly privateNames: readonly string[];

  constructor(
    readonly root: string,
    workDir: string,
  ) {
    this.dir = join(workDir, 'repo');
    for (const file of ['package.json', 'pnpm-workspace.yaml', 'pnpm-lock.yaml', '.changeset']) {
      cpSync(join(root, file), join(this.dir, file), { recursive: true });
    }
    for (const name of PUBLISHED) {
      for (const file of PACKAGE_FILES) {
        const from = join(root, 'packages', name, file);
        if (!existsSync(from))
          throw new Error(`packages/${name}/${file} is missing (run pnpm build)`);
        cpSync(from, join(this.dir, 'packages', name, file), { recursive: true });
      }
    }
    for (const dir of PRIVATE_MANIFESTS) {
      mkdirSync(join(this.dir, dir), { recursive: true });
      cpSync(join(root, dir, 'package.json'), join(this.dir, dir, 'package.json'));
    }
    this.privateNames = PRIVATE_MANIFESTS.map((dir) => this.manifest(dir).name);
    // The changelog generator named in .changeset/config.json resolves from node_modules.
    symlinkSync(join(root, 'node_modules'), join(this.dir, 'node_modules'), 'dir');
    writeFileSync(join(this.dir, '.gitignore'), 'node_modules\n');
    this.git('init', '-q', '-b', 'main');
    this.commit('Release input');
  }

  /** `changeset version`; returns each published package's manifest before and after. */
  version(): Array<{
    before: VersionedPackage;
    after: VersionedPackage;
    changelog: string | null;
  }> {
    const before = PUBLISHED.map((name) => this.manifest(`packages/${name}`));
    const privateBefore = PRIVATE_MANIFESTS.map((dir) => this.manifest(dir));
    this.changeset('version');
    PRIVATE_MANIFESTS.forEach((dir, index) => {
      if (this.manifest(dir).version !== privateBefore[index]?.version) {
        throw new Error(`${dir}: a private package was versioned`);
      }
    });
    this.commit('Version packages');
    return PUBLISHED.map((name, index) => {
      const changelog = join(this.dir, 'packages', name, 'CHANGELOG.md');
      return {
        before: before[index] as VersionedPackage,
        after: this.manifest(`packages/${name}`),
        changelog: existsSync(changelog) ? readFileSync(changelog, 'utf8') : null,
      };
    });
  }

  /** `changeset publish` to `registryUrl`, authenticated by the `.npmrc` at `userConfig`. */
  publish(registryUrl: string, userConfig: string): string {
    return this.changeset('publish', {
      npm_config_registry: registryUrl,
      npm_config_userconfig: userConfig,
    });
  }

  private changeset(command: string, env: Record<string, string> = {}): string {
    const cli = join(
      dirname(fileURLToPath(import.meta.resolve('@changesets/cli/package.json'))),
      'bin.js',
    );
    try {
      return execFileSync(process.execPath, [cli, command], {
        cwd: this.dir,
        encoding: 'utf8',
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`changeset ${command} failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }

  private manifest(dir: string): VersionedPackage {
    return JSON.parse(readFileSync(join(this.dir, dir, 'package.json'), 'utf8'));
  }

  private commit(message: string) {
    this.git('add', '-A');
    this.git(
      '-c',
      'user.name=Release check',
      '-c',
      'user.email=release-check@localhost',
      'commit',
      '-q',
      '--no-gpg-sign',
      '-m',
      message,
    );
  }

  private git(...args: string[]) {
    execFileSync('git', args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
