// What a user writes on a fresh install: the four packages wired together, no optional peer
// installed. Type-checked strictly, run as ESM, and bundled then run.
import { strict as assert } from 'node:assert';
import { createBreakerRegistry } from '@breakwater/circuit-breaker';
import { createSimulatedSource, createStreamManager } from '@breakwater/llm-stream';
import { createMetrics, instrumentBreakers, instrumentStreams } from '@breakwater/metrics';
import { createMemoryStore, createRateLimiter } from '@breakwater/rate-limit';

// A normal run is quiet: any process warning (deprecation, unknown model price) fails it.
process.on('warning', (warning) => {
  console.error(`unexpected warning: ${warning.name}: ${warning.message}`);
  process.exitCode = 1;
});

const metrics = createMetrics();
const breakers = createBreakerRegistry();
const streams = createStreamManager({ buffer: false });
const stopBreakers = instrumentBreakers(metrics, breakers);
const stopStreams = instrumentStreams(metrics, streams);
const limiter = createRateLimiter({ store: createMemoryStore() });

const reservation = await limiter.reserve('user-1', { tier: 'FREE', estimate: 20 });
assert.equal(reservation.allowed, true);
const end = await breakers.get('openai:gpt-4o-mini').execute(() =>
  streams
    .stream(
      createSimulatedSource({
        model: 'gpt-4o-mini',
        provider: 'openai',
        reply: { text: 'Hello from the registry', inputTokens: 5, outputTokens: 4 },
      }),
    )
    .consume(),
);
assert.equal(end.type, 'complete');
if (end.type === 'complete') await reservation.commit(end.usage.outputTokens);

const exposition = await metrics.metrics();
assert.match(exposition, /model="gpt-4o-mini"/);
stopBreakers();
stopStreams();
console.log(`${process.argv[2] ?? 'esm'}: ok`);
