import { Agent, request } from 'node:http';
import { startFakeOpenAIServer } from './src/fake-openai-server.ts';
import { buildGateway } from './src/gateway.ts';
const upstream = await startFakeOpenAIServer({ words: 20 });
const gateway = await buildGateway({
  logger: false, cache: { enabled: false, maxEntries: 1, ttlMs: 1 }, retry: false,
  apiKeys: [{ key: 'sk-bench', userId: 'bench', tier: 'BENCH' }],
  tiers: { BENCH: { requestsPerMinute: 1e9, tokensPerDay: 1e12 } },
  models: [
    { name: 'gpt-4o', provider: 'openai', apiKeyEnv: 'OPENAI_API_KEY', baseUrlEnv: 'OPENAI_BASE_URL' },
    { name: 'mock', provider: 'mock', mock: { ttftMs: 0, tokensPerSecond: 0, outputTokens: 20 } },
  ],
  env: { OPENAI_API_KEY: 'x', OPENAI_BASE_URL: upstream.baseURL },
});
const url = await gateway.listen(0, '127.0.0.1');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function call(method: string, target: string, body?: string): Promise<number> {
  const s = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const r = request(target, { method, agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' } }, (res) => { res.resume(); res.on('end', () => resolve(Number(process.hrtime.bigint() - s) / 1e6)); });
    r.on('error', reject); r.end(body);
  });
}
async function time(label: string, fn: () => Promise<number>, n = 200) {
  for (let i = 0; i < 20; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(await fn());
  t.sort((a, b) => a - b);
  console.log(label.padEnd(30), 'p50', t[n >> 1]!.toFixed(3), 'p90', t[Math.floor(n * 0.9)]!.toFixed(3));
}
const b = (model: string, stream: boolean) => JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] });



await time('mock non-stream', () => call('POST', `${url}/v1/chat/completions`, b('mock', false)));

await time('openai non-stream', () => call('POST', `${url}/v1/chat/completions`, b('gpt-4o', false)));

await gateway.close(); await upstream.close(); agent.destroy();
