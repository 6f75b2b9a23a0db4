/**
 * Where a gateway request's CPU goes, feature by feature, beside the rewriting floor (the same
 * two HTTP hops, reading and rewriting the API, with no feature at all). Starts the fake
 * upstream, the example gateway and the rewriting floor, the last two under `--cpu-prof`;
 * drives each with autocannon (the gateway through its lean `openai-compatible` client); takes
 * each server's CPU time per request from /proc; and splits it by feature from its profile.
 * Run: `pnpm build && cd bench && npx tsx profile-gateway.ts [streaming] [requests]`.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuOf } from './lib/bench-processes.js';
import { autocannon, chatRequestBody, startGateway, startRole } from './lib/bench-servers.js';
import type { Profile } from './lib/cpu-profile.js';
import { type FeatureCost, featureCosts } from './lib/feature-costs.js';
import { markdownTable } from './lib/measure.js';

const streaming = process.argv[2] === 'streaming';
const requests = Number(process.argv[3] ?? 20_000);
const WARMUP_REQUESTS = 3_000;
const CONNECTIONS = 10;

/** CPU microseconds per request `server` spends answering `requests` requests at `url`. */
async function cpuPerRequest(server: ChildProcess, url: string, model: string): Promise<number> {
  const load = (amount: number) =>
    autocannon({
      url: `${url}/v1/chat/completions`,
      connections: CONNECTIONS,
      amount,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: chatRequestBody(streaming, model),
    });
  await load(WARMUP_REQUESTS);
  const before = cpuOf(server);
  const result = await load(requests);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return (cpuOf(server) - before) / requests;
}

/** Stops a server started with `--cpu-prof` and reads the profile it wrote. */
async function profileOf(server: ChildProcess, dir: string): Promise<Profile> {
  server.kill('SIGTERM');
  await once(server, 'exit');
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no CPU profile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
}

const scratch = mkdtempSync(join(tmpdir(), 'breakwater-profile-'));
const profiling = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${join(scratch, name)}`];
const upstream = await startRole('upstream', {});
try {
  const gateway = await startGateway(upstream.url, upstream.url, profiling('gateway'));
  const rewriting = await startRole(
    'rewriting',
    { UPSTREAM_URL: upstream.url },
    profiling('rewriting'),
  );
  const gatewayUs = await cpuPerRequest(gateway.process, gateway.url, 'compatible');
  const rewritingUs = await cpuPerRequest(rewriting.process, rewriting.url, 'gpt-4o');
  const gatewayCosts = featureCosts(
    await profileOf(gateway.process, join(scratch, 'gateway')),
    gatewayUs,
  );
  const rewritingCosts = featureCosts(
    await profileOf(rewriting.process, join(scratch, 'rewriting')),
    rewritingUs,
  );
  const micros = (costs: FeatureCost[], cost: string) =>
    costs.find((entry) => entry.cost === cost)?.microsPerRequest ?? 0;
  // Every cost either process has, the gateway's largest first.
  const costs = [...new Set([...gatewayCosts, ...rewritingCosts].map((entry) => entry.cost))];
  const rows = costs
    .filter((cost) => micros(gatewayCosts, cost) >= 0.5 || micros(rewritingCosts, cost) >= 0.5)
    .map((cost) => {
      const [inGateway, inFloor] = [micros(gatewayCosts, cost), micros(rewritingCosts, cost)];
      return [
        cost,
        `${inGateway.toFixed(0)} µs`,
        `${inFloor.toFixed(0)} µs`,
        `${(inGateway - inFloor).toFixed(0)} µs`,
      ];
    });
  rows.push([
    '**total CPU per request**',
    `**${gatewayUs.toFixed(0)} µs**`,
    `**${rewritingUs.toFixed(0)} µs**`,
    `**${(gatewayUs - rewritingUs).toFixed(0)} µs**`,
  ]);
  console.log(
    `${streaming ? 'Streaming' : 'Non-streaming'}, ${requests.toLocaleString('en-US')} requests after ${WARMUP_REQUESTS.toLocaleString('en-US')} of warm-up, ${CONNECTIONS} connections, Node.js ${process.version}:\n`,
  );
  console.log(
    markdownTable(['Cost', 'gateway (lean client)', 'rewriting floor', 'gateway − floor'], rows),
  );
} finally {
  upstream.process.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
