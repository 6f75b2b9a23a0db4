/**
 * llm-stream: the managed pipeline (typed events, token counting, progress, registry, cancellation)
 * against a raw `for await` over the same provider source. Every task reads one 100,000-chunk
 * stream from the mock provider with zero delays, so the numbers are the pipeline's own cost.
 */
import {
  createManagedStream,
  createMockProvider,
  createStreamManager,
  iterableSource,
  type ManagedStream,
  openaiChatSource,
  type ProviderEvent,
  type ProviderStreamSource,
} from '@breakwater/llm-stream';
import OpenAI from 'openai';
import {
  formatOps,
  formatRatio,
  installedVersion,
  markdownTable,
  measureAll,
} from './lib/measure.js';

const CHUNKS = 100_000;
const TTFT_SAMPLES = 3000;

const mock = createMockProvider({ outputTokens: CHUNKS, usage: 'final' });
const source = mock.source({ prompt: 'Tell me a long story', maxTokens: CHUNKS });

async function raw(): Promise<number> {
  let characters = 0;
  for await (const event of await source.open(new AbortController().signal)) {
    if (event.type === 'text') characters += event.text.length;
  }
  return characters;
}

// What a hand-written wrapper looks like: an async generator mapping provider events to chunks.
async function handWritten(): Promise<number> {
  async function* chunks(events: AsyncIterable<ProviderEvent>) {
    let chunkNumber = 0;
    for await (const event of events) {
      if (event.type === 'text') yield { chunkNumber: ++chunkNumber, content: event.text };
    }
  }
  let characters = 0;
  for await (const chunk of chunks(await source.open(new AbortController().signal))) {
    characters += chunk.content.length;
  }
  return characters;
}

async function iterate(stream: AsyncIterable<{ type: string; content?: string }>): Promise<number> {
  let characters = 0;
  for await (const event of stream) {
    if (event.type === 'chunk') characters += event.content!.length;
  }
  return characters;
}

// `consume(onEvent)` is how pipeSse and pipeWebSocket read a stream: a callback per event, a promise only under backpressure.
async function consume(stream: ManagedStream): Promise<number> {
  let characters = 0;
  await stream.consume((event) => {
    if (event.type === 'chunk') characters += event.content.length;
  });
  return characters;
}

// A tool call whose JSON arguments stream in CHUNKS fragments, as a long function call would.
const toolEvents: ProviderEvent[] = [
  { type: 'tool-call-start', index: 0, id: 'call_1', name: 'search' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{"q":"' },
  ...Array.from({ length: CHUNKS - 2 }, () => ({
    type: 'tool-call-delta' as const,
    index: 0,
    argumentsDelta: 'word',
  })),
  { type: 'tool-call-delta', index: 0, argumentsDelta: '"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'finish', reason: 'tool_calls' },
];
const toolSource = iterableSource(() => toolEvents, { provider: 'bench', model: 'tools' });

async function rawTools(): Promise<number> {
  let characters = 0;
  for await (const event of await toolSource.open(new AbortController().signal)) {
    if (event.type === 'tool-call-delta') characters += event.argumentsDelta.length;
  }
  return characters;
}

async function consumeTools(stream: ManagedStream): Promise<number> {
  let characters = 0;
  await stream.consume((event) => {
    if (event.type === 'tool_call_delta') characters += event.argumentsDelta.length;
  });
  return characters;
}

// Real traffic: the official openai SDK reading a Chat Completions stream. Its body is served
// from memory (no socket, no delay) in 16 KiB pieces, so both rows pay the SDK's own SSE parsing
// and nothing else; the managed row adds the openai adapter and the pipeline.
const SDK_CHUNKS = 2_000;

function chatChunk(delta: object, finishReason: string | null, usage?: object): string {
  const chunk = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: usage === undefined ? [{ index: 0, delta, finish_reason: finishReason }] : [],
    ...(usage === undefined ? {} : { usage }),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

const sdkBody = new TextEncoder().encode(
  [
    ...Array.from({ length: SDK_CHUNKS }, (_, index) =>
      chatChunk({ content: index === 0 ? 'Once' : ' word' }, null),
    ),
    chatChunk({}, 'stop'),
    chatChunk({}, null, {
      prompt_tokens: 5,
      completion_tokens: SDK_CHUNKS,
      total_tokens: SDK_CHUNKS + 5,
    }),
    'data: [DONE]\n\n',
  ].join(''),
);
const BODY_PIECE_BYTES = 16 * 1024;

const sdkClient = new OpenAI({
  apiKey: 'sk-bench',
  baseURL: 'http://127.0.0.1:9/v1',
  maxRetries: 0,
  fetch: async () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < sdkBody.length; offset += BODY_PIECE_BYTES) {
            controller.enqueue(sdkBody.subarray(offset, offset + BODY_PIECE_BYTES));
          }
          controller.close();
        },
      }),
      { status: 200, headers: { 'content-type': 'text/event-stream' } },
    ),
});
const sdkParams = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content: 'Tell me a long story' }],
  max_completion_tokens: SDK_CHUNKS,
};

async function rawSdk(): Promise<number> {
  let characters = 0;
  const stream = await sdkClient.chat.completions.create({
    ...sdkParams,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) characters += chunk.choices[0]?.delta?.content?.length ?? 0;
  return characters;
}

const managedSdk = () =>
  consume(createManagedStream(openaiChatSource(sdkClient, sdkParams), { buffer: false }));

const manager = createStreamManager();
// A listener on every chunk, as `instrumentStreams` from @breakwater/metrics would add.
let observed = 0;
manager.on('chunk', () => {
  observed++;
});

/** Time from asking for a stream to holding its first token, in milliseconds. */
async function timeToFirstToken(
  open: (source: ProviderStreamSource) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  await open(mock.source({ prompt: 'hi', maxTokens: 64 }));
  return performance.now() - started;
}

const rawFirst = async (first: ProviderStreamSource) => {
  const controller = new AbortController();
  const iterator = (await first.open(controller.signal))[Symbol.asyncIterator]();
  await iterator.next();
  controller.abort();
  await iterator.return?.();
};

const managedFirst = async (first: ProviderStreamSource) => {
  const stream = createManagedStream(first, { buffer: false });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next(); // start
  await iterator.next(); // first chunk
  stream.cancel();
};

/** Nanoseconds one `Date.now()` read costs here: every chunk's timestamp is one. */
function clockReadNs(): number {
  const reads = 2_000_000;
  let sum = 0;
  const started = process.hrtime.bigint();
  for (let index = 0; index < reads; index++) sum += Date.now();
  const elapsed = Number(process.hrtime.bigint() - started);
  return sum > 0 ? elapsed / reads : 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ROUNDS = 8;

/** CPU time of one call in milliseconds: unlike wall time, barely moved by other processes on the machine. */
async function cpuMs(task: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await task();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

export default async function run(): Promise<string> {
  const tasks: Record<string, () => Promise<number>> = {
    'raw for-await over the source': raw,
    'hand-written async generator wrapper': handWritten,
    'managed stream, buffering off (consume)': () =>
      consume(createManagedStream(source, { buffer: false })),
    'managed stream via manager + chunk listener, buffering off (consume)': () =>
      consume(manager.stream(source, { buffer: false })),
    'managed stream, default buffering 5 tokens / 50 ms (consume)': () =>
      consume(createManagedStream(source)),
    'managed stream, buffering off (for await)': () =>
      iterate(createManagedStream(source, { buffer: false })),
    'tool call: raw for-await over the source': rawTools,
    'tool call: managed stream (consume)': () => consumeTools(createManagedStream(toolSource)),
    'openai SDK: raw for-await over its stream': rawSdk,
    'openai SDK: managed stream over openaiChatSource, buffering off (consume)': managedSdk,
  };
  const names = Object.keys(tasks);
  // Short interleaved rounds, so a load change on a shared machine hits every task alike.
  const opsPerSecond = new Map<string, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<string, number>(names.map((name) => [name, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const result of await measureAll(tasks, { timeMs: 400, warmupMs: 100 })) {
      opsPerSecond.get(result.name)!.push(result.opsPerSecond);
    }
    for (const name of names) cpu.set(name, cpu.get(name)! + (await cpuMs(tasks[name]!)));
  }
  const ops = (name: string) => median(opsPerSecond.get(name)!);
  const baseline = ops(names[0]!);
  const cpuBaseline = cpu.get(names[0]!)!;
  const wallRatio = (name: string) => ops(name) / baseline;
  const cpuRatio = (name: string) => cpuBaseline / cpu.get(name)!;

  const rawSamples: number[] = [];
  const managedSamples: number[] = [];
  for (let index = 0; index < TTFT_SAMPLES; index++) {
    // Alternate so both see the same machine state.
    rawSamples.push(await timeToFirstToken(rawFirst));
    managedSamples.push(await timeToFirstToken(managedFirst));
  }
  const rawTtft = median(rawSamples);
  const managedTtft = median(managedSamples);
  const addedTtftMs = managedTtft - rawTtft;

  const clockNs = clockReadNs();
  const rawNsPerChunk = 1e9 / (ops(names[0]!) * CHUNKS);
  const unbuffered = names[2]!;
  const unbufferedForAwait = names[5]!;
  const meets = (name: string) => wallRatio(name) >= 0.8 && cpuRatio(name) >= 0.8;
  const textNames = names.slice(0, 6);
  const rows = textNames.map((name) => [
    name,
    formatOps(ops(name) * CHUNKS),
    formatRatio(wallRatio(name)),
    formatRatio(cpuRatio(name)),
  ]);
  /** A raw row and a managed row over the same source: the managed one as a ratio of the raw. */
  const pair = (rawName: string, managedName: string, chunksPerRun: number) => {
    const wall = ops(managedName) / ops(rawName);
    const cpuTimes = cpu.get(rawName)! / cpu.get(managedName)!;
    const row = (name: string, wallRatio: number, cpuTimeRatio: number) => [
      name,
      formatOps(ops(name) * chunksPerRun),
      formatRatio(wallRatio),
      formatRatio(cpuTimeRatio),
    ];
    return { wall, cpu: cpuTimes, rows: [row(rawName, 1, 1), row(managedName, wall, cpuTimes)] };
  };
  // The tool-call and SDK rows compare with the raw loop over their own source.
  const tool = pair(names[6]!, names[7]!, CHUNKS);
  const sdk = pair(names[8]!, names[9]!, SDK_CHUNKS);
  const [toolRows, sdkRows, sdkWall, sdkCpu] = [tool.rows, sdk.rows, sdk.wall, sdk.cpu];
  const sdkMeets = sdkWall >= 0.8 && sdkCpu >= 0.8;
  return `## LLM stream

Throughput of one ${CHUNKS.toLocaleString('en-US')}-chunk stream from the mock provider (zero delays), in chunks per second, relative to a raw \`for await\` over the same source.

${markdownTable(['Pipeline', 'chunks/s', 'vs raw (wall time)', 'vs raw (CPU time)'], rows)}

A tool call whose arguments stream in ${CHUNKS.toLocaleString('en-US')} fragments (an \`iterableSource\` of typed parts), in argument deltas per second, relative to a raw \`for await\` over that source. The managed stream emits a \`tool_call_delta\` event per fragment, counts its tokens, and parses the whole arguments at the end.

${markdownTable(['Pipeline', 'deltas/s', 'vs raw (wall time)', 'vs raw (CPU time)'], toolRows)}

The same text stream as real traffic carries it: the official openai SDK (${installedVersion('openai')}) parsing a ${SDK_CHUNKS.toLocaleString('en-US')}-chunk Chat Completions body served from memory, read raw or through \`openaiChatSource\` and the managed stream.

${markdownTable(['Pipeline', 'chunks/s', 'vs raw SDK (wall time)', 'vs raw SDK (CPU time)'], sdkRows)}

Time to first token, median of ${TTFT_SAMPLES.toLocaleString('en-US')} streams: raw ${rawTtft.toFixed(3)} ms, managed ${managedTtft.toFixed(3)} ms, added **${(addedTtftMs * 1000).toFixed(0)} µs**.

| Goal | Result | Met |
| --- | --- | --- |
| ≥ 0.8× raw throughput with buffering off | \`consume\` (the writers' path): ${formatRatio(wallRatio(unbuffered))} wall, ${formatRatio(cpuRatio(unbuffered))} CPU; \`for await\`: ${formatRatio(wallRatio(unbufferedForAwait))} wall, ${formatRatio(cpuRatio(unbufferedForAwait))} CPU | ${meets(unbuffered) ? 'yes' : 'no'} (\`consume\`), ${meets(unbufferedForAwait) ? 'yes' : 'no'} (\`for await\`) |
| ≥ 0.8× raw throughput, official openai SDK source | ${formatRatio(sdkWall)} wall, ${formatRatio(sdkCpu)} CPU | ${sdkMeets ? 'yes' : 'no'} |
| < 0.2 ms added to time to first token (median) | ${addedTtftMs.toFixed(3)} ms | ${addedTtftMs < 0.2 ? 'yes' : 'no'} |

Every chunk carries its own clock reading (\`timestamp\`, \`elapsedSeconds\`): one \`Date.now()\` per chunk, ${clockNs.toFixed(0)} ns on this machine, against ${rawNsPerChunk.toFixed(0)} ns per chunk for the whole raw loop, so the raw loop with nothing but that clock read added would already run at ${formatRatio(rawNsPerChunk / (rawNsPerChunk + clockNs))}. The stream reads no other clock per chunk (the time limits are checked by a timer).

Method: ${ROUNDS} interleaved rounds of tinybench (0.4 s per task after 0.1 s warm-up; the table shows the median) plus one CPU-time run of each task per round (the CPU column compares their sums), every task reading the same mock source in one process. The managed tasks build every typed chunk event (token estimate, progress, timestamps); the manager task also emits each chunk to a listener (${observed.toLocaleString('en-US')} chunks observed). \`consume\` is how the SSE and WebSocket writers read a stream; \`for await\` adds one promise per event. TTFT pairs (create the stream, read its first chunk) are measured alternately with \`performance.now()\`.
`;
}
