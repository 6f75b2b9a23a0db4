import { Agent, request } from 'node:http';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { startFakeOpenAIServer } from './src/fake-openai-server.ts';
import { buildGateway } from './src/gateway.ts';
const upstream = await startFakeOpenAIServer({ words: 20 });
const gateway = await buildGateway({
  logger: false, cache: { enabled: false, maxEntries: 1, ttlMs: 1 }, retry: false,
  apiKeys: [{ key: 'sk-bench', userId: 'bench', tier: 'BENCH' }],
  tiers: { BENCH: { requestsPerMinute: 1e9, tokensPerDay: 1e12 } },
  models: [ { name: 'gpt-4o', provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', baseUrlEnv: 'OPENAI_BASE_URL' } ],
  env: { OPENAI_API_KEY: 'x', OPENAI_BASE_URL: upstream.baseURL },
});
const url = await gateway.listen(0, '127.0.0.1');
const agent = new Agent({ keepAlive: true, maxSockets: 10 });
const stream = process.argv[2] === 'stream';
const b = JSON.stringify({ model: 'gpt-4o', stream, messages: [{ role: 'user', content: 'hi' }] });
const call = () => new Promise<void>((resolve, reject) => { const r = request(`${url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' } }, (res) => { res.resume(); res.on('end', () => resolve()); }); r.on('error', reject); r.end(b); });
async function load(n: number) { let i = 0; await Promise.all(Array.from({ length: 10 }, async () => { while (i++ < n) await call(); })); }
await load(300);
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.start');
const c0 = process.cpuUsage(); const t0 = performance.now();
await load(1500);
const c = process.cpuUsage(c0); const w = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
writeFileSync('/tmp/prof/run.cpuprofile', JSON.stringify(profile));
console.log(stream ? 'stream' : 'non-stream', 'rps', (1.5e6 / w).toFixed(0), 'cpu ms/req', ((c.user + c.system) / 1.5e6).toFixed(3));
await gateway.close(); await upstream.close(); agent.destroy();
