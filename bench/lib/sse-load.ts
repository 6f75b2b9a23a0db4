/**
 * A load generator for long-lived SSE streams: opens `clients` concurrent streaming requests
 * at a steady ramp, reads every frame, and checks each token the paced upstream wrote
 * (`w<seq>@<epoch ms>`): that all of them arrive, in order, and how long each took from the
 * upstream's write to this client's read. Memory stays flat: latencies go into fixed
 * histograms, not arrays.
 */
import { Agent, request } from 'node:http';
import { preciseNow, TOKEN_PATTERN } from './paced-upstream.js';

/** Options for {@link runSseLoad}. */
export interface SseLoadOptions {
  /** The streaming endpoint. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Concurrent streams. */
  readonly clients: number;
  /** How many streams are opened per second during the ramp. */
  readonly connectsPerSecond: number;
  /** Tokens each stream must deliver. */
  readonly tokensPerStream: number;
  /** Give up on streams still open this long after the ramp, in milliseconds. */
  readonly deadlineMs: number;
  /** Called once every stream has received its first token. */
  readonly onAllStreaming?: () => void;
}

/** What one load run measured. */
export interface SseLoadResult {
  readonly clients: number;
  /** Streams that delivered every token in order and ended. */
  readonly complete: number;
  /** Streams that failed: a non-200 status, a connection error, or an early end. */
  readonly failed: number;
  readonly tokensExpected: number;
  readonly tokensDelivered: number;
  /** Tokens that arrived out of sequence (a gap or a repeat). */
  readonly outOfOrder: number;
  /** Upstream write → client read, per token, in milliseconds. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Time between two reads that carried tokens, per stream, in milliseconds. */
  readonly gapMs: { readonly p50: number; readonly p99: number };
  /** First status or error message of a failed stream, for the report. */
  readonly firstFailure?: string;
}

/** 0.1 ms buckets up to 120 s; the last bucket holds everything above. */
class Histogram {
  private readonly buckets = new Uint32Array(1_200_001);
  private count = 0;
  private maxMs = 0;

  record(ms: number): void {
    const index = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms * 10)));
    this.buckets[index]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let index = 0; index < this.buckets.length; index++) {
      seen += this.buckets[index]!;
      if (seen >= rank) return index / 10;
    }
    return this.maxMs;
  }

  get max(): number {
    return this.maxMs;
  }
}

/** Opens the streams, waits until all of them ended (or the deadline), and reports. */
export function runSseLoad(options: SseLoadOptions): Promise<SseLoadResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const latency = new Histogram();
  const gaps = new Histogram();
  let opened = 0;
  let streaming = 0;
  let ended = 0;
  let complete = 0;
  let failed = 0;
  let delivered = 0;
  let outOfOrder = 0;
  let firstFailure: string | undefined;
  const open: Array<{ destroy(): void }> = [];

  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(ramp);
      clearTimeout(deadline);
      for (const call of open) call.destroy();
      agent.destroy();
      resolve({
        clients: options.clients,
        complete,
        failed,
        tokensExpected: options.clients * options.tokensPerStream,
        tokensDelivered: delivered,
        outOfOrder,
        latencyMs: { p50: latency.quantile(0.5), p99: latency.quantile(0.99), max: latency.max },
        gapMs: { p50: gaps.quantile(0.5), p99: gaps.quantile(0.99) },
        ...(firstFailure === undefined ? {} : { firstFailure }),
      });
    };
    const streamEnded = (ok: boolean, why?: string) => {
      ended++;
      if (ok) complete++;
      else {
        failed++;
        firstFailure ??= why;
      }
      if (ended === options.clients) finish();
    };

    const startOne = () => {
      let next = 0;
      let lastReadAt = 0;
      let carry = '';
      let settled = false;
      const settle = (ok: boolean, why?: string) => {
        if (settled) return;
        settled = true;
        streamEnded(ok, why);
      };
      const call = request(options.url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...options.headers },
      });
      open.push(call);
      call.on('response', (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          settle(false, `HTTP ${response.statusCode}`);
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          const readAt = preciseNow();
          carry += piece;
          const boundary = carry.lastIndexOf('\n\n');
          if (boundary < 0) return;
          const frames = carry.slice(0, boundary);
          carry = carry.slice(boundary + 2);
          let tokens = 0;
          for (const match of frames.matchAll(TOKEN_PATTERN)) {
            tokens++;
            if (Number(match[1]) === next) next++;
            else outOfOrder++;
            latency.record(readAt - Number(match[2]));
          }
          if (tokens === 0) return;
          delivered += tokens;
          if (lastReadAt === 0) {
            streaming++;
            if (streaming === options.clients) options.onAllStreaming?.();
          } else {
            gaps.record(readAt - lastReadAt);
          }
          lastReadAt = readAt;
        });
        response.on('end', () =>
          settle(next === options.tokensPerStream, `ended after ${next} tokens`),
        );
        response.on('error', (error) => settle(false, error.message));
      });
      call.on('error', (error) => settle(false, error.message));
      call.end(options.body);
    };

    // Ramp in 10 ms steps, so the servers' accept queues never overflow.
    const perStep = Math.max(1, Math.round(options.connectsPerSecond / 100));
    const ramp = setInterval(() => {
      for (let index = 0; index < perStep && opened < options.clients; index++, opened++) {
        startOne();
      }
      if (opened === options.clients) clearInterval(ramp);
    }, 10);
    const rampMs = (options.clients / options.connectsPerSecond) * 1000;
    const deadline = setTimeout(finish, rampMs + options.deadlineMs);
  });
}
