// The same packages through require(): the CommonJS build and its .d.cts types.
import assert = require('node:assert');
import breaker = require('@breakwater/circuit-breaker');
import stream = require('@breakwater/llm-stream');
import metrics = require('@breakwater/metrics');
import rateLimit = require('@breakwater/rate-limit');

// A normal run is quiet: any process warning (deprecation, unknown model price) fails it.
process.on('warning', (warning) => {
  console.error(`unexpected warning: ${warning.name}: ${warning.message}`);
  process.exitCode = 1;
});

async function main() {
  const registry = breaker.createBreakerRegistry();
  assert.equal(await registry.get('cjs').execute(async () => 42), 42);

  const end = await stream
    .createStreamManager({ buffer: false })
    .stream(stream.createSimulatedSource({ model: 'gpt-4o-mini', reply: 'Hello' }))
    .consume();
  assert.equal(end.type, 'complete');

  assert.match(await metrics.createMetrics().metrics(), /# TYPE /);

  const limiter = rateLimit.createRateLimiter({ store: rateLimit.createMemoryStore() });
  const reservation = await limiter.reserve('user-1', { tier: 'FREE', estimate: 1 });
  assert.equal(reservation.allowed, true);
  console.log('cjs: ok');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
