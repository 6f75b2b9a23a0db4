import { describe, expect, it } from 'vitest';
import {
  CommandNotInstalledError,
  PROMETHEUS_INSTALL_HINT,
  requireCommand,
} from './command-not-installed-error.js';

describe('requireCommand', () => {
  it('names the missing command and how to install it instead of a bare ENOENT', () => {
    let thrown: unknown;
    try {
      requireCommand('breakwater-no-such-command', PROMETHEUS_INSTALL_HINT);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CommandNotInstalledError);
    const error = thrown as CommandNotInstalledError;
    expect(error.code).toBe('COMMAND_NOT_INSTALLED');
    expect(error.command).toBe('breakwater-no-such-command');
    expect(error.message).toBe(
      `\`breakwater-no-such-command\` is not installed: ${PROMETHEUS_INSTALL_HINT}`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('returns when the command runs', () => {
    expect(requireCommand(process.execPath, 'unused')).toBeUndefined();
  });
});
