/**
 * Starts the gateway: `pnpm start` (port 8001, the mock model, in-memory stores).
 * Configuration: gateway.config.json and the environment (see docs/gateway.md).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { buildGateway } from './gateway.js';
import { startBanner } from './start-banner.js';

const loaded = loadConfig();
// With no key configured, one is made for this run, so the printed examples work as shown.
const demoKey =
  loaded.apiKeys.length === 0
    ? { key: `sk-demo-${randomBytes(18).toString('base64url')}`, userId: 'demo', tier: 'BASIC' }
    : undefined;
const gateway = await buildGateway(demoKey ? { ...loaded, apiKeys: [demoKey] } : loaded);
const url = await gateway.listen();

// Printed once, to the terminal only: set ADMIN_TOKEN (and keys) to keep them across restarts.
process.stdout.write(
  startBanner({
    url,
    models: gateway.catalog.models.map((model) => model.name),
    generatedAdminToken: gateway.adminTokenGenerated ? gateway.adminToken : undefined,
    demoKey,
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
  }),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C while shutting down is ignored; the 10 s guard below still applies.
    if (stopping) return;
    stopping = true;
    gateway.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway.close().then(
      // A requested stop is a success: exit 0, so pnpm reports no failed script.
      () => process.exit(0),
      (error: unknown) => {
        gateway.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
