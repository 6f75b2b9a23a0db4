/** The one line printed when neither REDIS_URL nor a local `redis-server` is usable. */
export const REDIS_INSTALL_HINT =
  'Redis is required for the integration tests: install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) so `redis-server` and `redis-cli` are on the PATH, or set REDIS_URL=redis://host:port to use a running server.';

/** Thrown when the harness can start no Redis and none is configured. */
export class RedisNotAvailableError extends Error {
  readonly code = 'REDIS_NOT_AVAILABLE';
  constructor(cause?: unknown) {
    super(REDIS_INSTALL_HINT, { cause });
    this.name = 'RedisNotAvailableError';
  }
}
