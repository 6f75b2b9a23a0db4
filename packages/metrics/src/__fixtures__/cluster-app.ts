/**
 * A two-worker node:cluster app for the cluster test. Run with `node --import tsx`.
 * The primary serves the aggregated /metrics on a free port and prints `READY <port>`
 * once both workers have recorded their share; SIGTERM stops everything.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { createClusterAggregator, exposeToClusterPrimary } from '../cluster-metrics.js';
import { createMetrics } from '../create-metrics.js';
import { createNodeMetricsHandler } from '../metrics-handlers.js';

if (cluster.isPrimary) {
  const aggregator = createClusterAggregator();
  const workers = [0, 1].map((index) => cluster.fork({ WORKER_INDEX: String(index) }));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.on('message', (message) => {
            if (message === 'ready') resolve();
          });
        }),
    ),
  );
  const server = createServer(createNodeMetricsHandler(aggregator));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`READY ${port}\n`);
  });
  process.on('SIGTERM', () => {
    for (const worker of workers) worker.kill();
    server.close(() => process.exit(0));
  });
} else {
  const index = Number(process.env.WORKER_INDEX);
  const metrics = createMetrics();
  exposeToClusterPrimary(metrics);
  // Worker 0 records 3 requests, worker 1 records 4: the primary must show 7.
  for (let request = 0; request < 3 + index; request++) {
    metrics.recordAiRequest({
      provider: 'openai',
      model: 'gpt-4o',
      durationMs: 1000,
      usage: { inputTokens: 1000, outputTokens: 200 },
    });
  }
  for (let connection = 0; connection <= index; connection++) metrics.recordWebSocketOpen();
  metrics.recordBreakerState('openai', index === 0 ? 'OPEN' : 'CLOSED');
  process.send?.('ready');
}
