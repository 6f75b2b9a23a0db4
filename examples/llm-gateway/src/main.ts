/**
 * Starts the gateway: `pnpm start` (port 8001, the mock model, in-memory stores).
 * Configuration: gateway.config.json and the environment (see docs/gateway.md).
 */
import { loadConfig } from './config.js';
import { buildGateway } from './gateway.js';

const gateway = await buildGateway(loadConfig());
const url = await gateway.listen();

if (gateway.adminTokenGenerated) {
  // Printed once, to the terminal only: set ADMIN_TOKEN to keep a token across restarts.
  process.stdout.write(
    `\nNo ADMIN_TOKEN set; generated admin token for this run:\n  ${gateway.adminToken}\n\n`,
  );
}
const models = gateway.catalog.models.map((model) => model.name).join(', ');
process.stdout.write(`Breakwater LLM gateway on ${url} (models: ${models})\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
