/**
 * A fresh project outside the monorepo that installs the published packages with npm, the way
 * a user does: `@breakwater/*` from the local registry, everything else from the usual one.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const SOURCES = join(import.meta.dirname, 'consumer');
/** No step of a consumer (an install included) takes near this; a hang fails instead of stalling CI. */
const COMMAND_TIMEOUT_MS = 180_000;

export interface ConsumerOptions {
  readonly dir: string;
  /** `.npmrc` content routing `@breakwater/*` to the local registry. */
  readonly npmrc: string;
  readonly dependencies: Readonly<Record<string, string>>;
  /**
   * The `node` executable the project lives on: first on the PATH of every command, npm
   * included, which skips versions whose `engines` exclude it. @default the running one
   */
  readonly node?: string;
}

export class ConsumerProject {
  private constructor(
    readonly dir: string,
    readonly node: string,
  ) {}

  /**
   * Writes the project and runs `npm install`. Commands run asynchronously: the local servers
   * the smoke scripts talk to live in this process.
   */
  static async create(options: ConsumerOptions): Promise<ConsumerProject> {
    const project = new ConsumerProject(options.dir, options.node ?? process.execPath);
    await project.install(options);
    return project;
  }

  private async install(options: ConsumerOptions) {
    mkdirSync(this.dir, { recursive: true });
    cpSync(SOURCES, this.dir, { recursive: true });
    writeFileSync(join(this.dir, '.npmrc'), options.npmrc);
    const manifest = {
      name: 'breakwater-consumer',
      private: true,
      type: 'module',
      dependencies: options.dependencies,
    };
    writeFileSync(join(this.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await this.run('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-online',
      '--loglevel=error',
    ]);
  }

  /** Whether `name` ended up in node_modules (an optional peer must not). */
  has(name: string): boolean {
    return existsSync(join(this.dir, 'node_modules', name, 'package.json'));
  }

  /** Installed packages that list `name` among their (non-peer) dependencies. */
  dependentsOf(name: string): string[] {
    const lock = JSON.parse(readFileSync(join(this.dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    return Object.entries(lock.packages)
      .filter(([, entry]) => entry.dependencies?.[name] !== undefined)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
  }

  /** The installed package's manifest, as the registry served it. */
  manifest(name: string): Record<string, unknown> & { files?: string[]; version: string } {
    return JSON.parse(readFileSync(join(this.dir, 'node_modules', name, 'package.json'), 'utf8'));
  }

  packageDir(name: string): string {
    return join(this.dir, 'node_modules', name);
  }

  /** `tsc -p <config>` with the project's own TypeScript; returns its errors (none: empty). */
  async typecheck(config: string): Promise<string[]> {
    try {
      await this.run(process.execPath, [
        join('node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        config,
      ]);
      return [];
    } catch (error) {
      return (error as Error).message.split('\n').filter((line) => line.includes('error TS'));
    }
  }

  /** Runs a command (`node` is the project's) in the project; its output is shown only when it fails. */
  async run(
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<string> {
    try {
      const { stdout } = await execFileAsync(command, args, {
        cwd: this.dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${dirname(this.node)}${delimiter}${process.env.PATH}`,
          ...env,
        },
        timeout: COMMAND_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (error) {
      const { stdout, stderr, signal } = error as {
        stdout?: string;
        stderr?: string;
        signal?: string;
      };
      const how =
        signal === 'SIGKILL' ? `did not finish within ${COMMAND_TIMEOUT_MS} ms` : 'failed';
      throw new Error(
        `${command} ${args.join(' ')} ${how} in a consumer project:\n${stdout ?? ''}${stderr ?? ''}`,
      );
    }
  }
}
