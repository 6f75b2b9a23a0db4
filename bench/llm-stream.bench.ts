/**
 * llm-stream: the managed pipeline (typed events, token counting, progress, registry, cancellation)
 * against a raw `for await` over the same provider source. Every task reads one 100,000-chunk
 * stream from the mock provider with zero delays, so the numbers are the pipeline's own cost.
 */
import {
  createManagedStream,
  createMockProvider,
  createStreamManager,
  type ProviderEvent,
  type ProviderStreamSource,
} from '@breakwater/llm-stream';
import { formatOps, formatRatio, markdownTable, measureAll } from './lib/measure.js';

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
      if (event.type === 'text') yield { chunk_number: ++chunkNumber, content: event.text };
    }
  }
  let characters = 0;
  for await (const chunk of chunks(await source.open(new AbortController().signal))) {
    characters += chunk.content.length;
  }
  return characters;
}

async function managed(stream: AsyncIterable<{ type: string; content?: string }>): Promise<number> {
  let characters = 0;
  for await (const event of stream) {
    if (event.type === 'chunk') characters += event.content!.length;
  }
  return characters;
}

const manager = createStreamManager();
// A listener on every chunk, as `instrumentStreams` from @breakwater/metrics would add.
let observed = 0;
manager.on('chunk', () => {
  observed++;
});

/** Time from asking for a stream to holding its first token, in milliseconds. */
async function timeToFirstToken(open: (source: ProviderStreamSource) => Promise<void>): Promise<number> {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export default async function run(): Promise<string> {
  const results = await measureAll(
    {
      'raw for-await over the source': raw,
      'hand-written async generator wrapper': handWritten,
      'managed stream, buffering off': () => managed(createManagedStream(source, { buffer: false })),
      'managed stream via manager + chunk listener, buffering off': () =>
        managed(manager.stream(source, { buffer: false })),
      'managed stream, default buffering (5 tokens / 50 ms)': () => managed(createManagedStream(source)),
    },
    { timeMs: 4000, warmupMs: 500 },
  );
  const baseline = results[0]!.opsPerSecond;

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

  const unbuffered = results[2]!.opsPerSecond / baseline;
  const rows = results.map((result) => [
    result.name,
    formatOps(result.opsPerSecond * CHUNKS),
    formatRatio(result.opsPerSecond / baseline),
  ]);
  return `## LLM stream

Throughput of one ${CHUNKS.toLocaleString('en-US')}-chunk stream from the mock provider (zero delays), in chunks per second, relative to a raw \`for await\` over the same source.

${markdownTable(['Pipeline', 'chunks/s', 'vs raw'], rows)}

Time to first token, median of ${TTFT_SAMPLES.toLocaleString('en-US')} streams: raw ${rawTtft.toFixed(3)} ms, managed ${managedTtft.toFixed(3)} ms, added **${(addedTtftMs * 1000).toFixed(0)} µs**.

| Goal | Result | Met |
| --- | --- | --- |
| ≥ 0.8× raw throughput with buffering off | ${formatRatio(unbuffered)} | ${unbuffered >= 0.8 ? 'yes' : 'no'} |
| < 0.2 ms added to time to first token (median) | ${addedTtftMs.toFixed(3)} ms | ${addedTtftMs < 0.2 ? 'yes' : 'no'} |

Method: tinybench, 4 s per task after 0.5 s warm-up, every task reading the same mock source in one process; the managed tasks build every typed chunk event (token estimate, progress, timestamps) and the manager task also emits each chunk to a listener (${observed > 0 ? 'observed' : 'not observed'}). TTFT pairs are measured alternately with \`performance.now()\`.
`;
}
