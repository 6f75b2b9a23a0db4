import { spawnSync } from 'node:child_process';

/** How to install the Prometheus tools (`prometheus`, `promtool`, `amtool`) the monitoring tests run. */
export const PROMETHEUS_INSTALL_HINT =
  'install Prometheus and Alertmanager (Debian/Ubuntu: `apt-get install prometheus prometheus-alertmanager`, macOS: `brew install prometheus alertmanager`) so `prometheus`, `promtool` and `amtool` are on the PATH';

/** Thrown by {@link requireCommand} when a command a test runs is not on the PATH. */
export class CommandNotInstalledError extends Error {
  readonly code = 'COMMAND_NOT_INSTALLED';
  constructor(
    readonly command: string,
    installHint: string,
    cause?: unknown,
  ) {
    super(`\`${command}\` is not installed: ${installHint}`, { cause });
    this.name = 'CommandNotInstalledError';
  }
}

/**
 * Checks that `command --version` starts, so a test that needs the command fails with
 * `installHint` instead of a bare ENOENT. Throws {@link CommandNotInstalledError} when it does not.
 */
export function requireCommand(command: string, installHint: string): void {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  if (probe.error) throw new CommandNotInstalledError(command, installHint, probe.error);
}
