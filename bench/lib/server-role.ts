/**
 * Entry point of a benchmark server process: `BREAKWATER_BENCH_ROLE` picks the server, which
 * prints `url=<its base URL>` once it listens (see `startRole` in bench-servers.ts).
 */
import { startFakeOpenAIServer } from './fake-openai-upstream.js';
import { startFloorProxy, startRewritingProxy } from './floor-proxies.js';

async function start(role: string | undefined): Promise<string> {
  if (role === 'floor') return startFloorProxy(process.env.UPSTREAM_URL!);
  if (role === 'rewriting') return startRewritingProxy(process.env.UPSTREAM_URL!);
  if (role === 'upstream') {
    const upstream = await startFakeOpenAIServer({
      words: 20,
      chunkDelayMs: Number(process.env.CHUNK_DELAY_MS ?? 0),
    });
    return upstream.baseURL;
  }
  throw new Error(`unknown BREAKWATER_BENCH_ROLE ${String(role)}`);
}

// Exit on SIGTERM rather than die of it, so `node --cpu-prof` writes the server's profile.
process.once('SIGTERM', () => process.exit(0));
process.stdout.write(`url=${await start(process.env.BREAKWATER_BENCH_ROLE)}\n`);
