export {
  CommandNotInstalledError,
  PROMETHEUS_INSTALL_HINT,
  requireCommand,
} from './command-not-installed-error.js';
export * from './fake-llm-server-exports.js';
export { freePort, isPortFree } from './free-port.js';
export { type RedisClusterHandle, startRedisCluster } from './redis-cluster.js';
export { REDIS_INSTALL_HINT, RedisNotAvailableError } from './redis-not-installed-error.js';
export { spawnRedisServer, stopProcess } from './redis-process.js';
export {
  type RedisServerHandle,
  type StartRedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export { type RedisTestContext, useRedis, useRedisCluster } from './use-redis.js';
