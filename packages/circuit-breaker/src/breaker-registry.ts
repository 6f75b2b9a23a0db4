import { EventEmitter } from 'eventemitter3';
import type { BreakerEvents } from './breaker-events.js';
import type { BreakerSnapshot } from './breaker-snapshot.js';
import {
  type CircuitBreaker,
  CircuitBreakerImpl,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';

/** Options a registry applies to the breakers it creates (everything but `name` and `fallback`). */
export type BreakerDefaults = Omit<CircuitBreakerOptions, 'name' | 'fallback'>;

/** Options for {@link createBreakerRegistry}. */
export interface BreakerRegistryOptions {
  /**
   * Options shared by every breaker the registry creates.
   * @default {}
   */
  readonly defaults?: BreakerDefaults;
  /**
   * Per-name options applied over `defaults` when a breaker is created: a record keyed by
   * name, or a function of the name (handy for prefixes such as `openai:`).
   * @default {}
   */
  readonly overrides?:
    | Readonly<Record<string, BreakerDefaults>>
    | ((name: string) => BreakerDefaults | undefined);
  /**
   * One timer for the whole registry that moves elapsed OPEN breakers to HALF_OPEN every
   * `tickIntervalMs`, so dashboards see it without waiting for a call. Off unless set.
   * @default undefined
   */
  readonly tickIntervalMs?: number | undefined;
}

/** Named breakers with shared defaults. Create one with {@link createBreakerRegistry}. */
export interface BreakerRegistry extends EventEmitter<BreakerEvents> {
  /**
   * The breaker called `name`, created on first use from `defaults`, the registry's
   * `overrides` and then `overrides` given here (which apply only when it is created; use
   * `breaker.configure()` to change a live one).
   */
  get(name: string, overrides?: BreakerDefaults): CircuitBreaker;
  /** Whether a breaker called `name` exists. */
  has(name: string): boolean;
  /** Snapshots of every breaker, in creation order. */
  list(): BreakerSnapshot[];
  /** Closes the breaker and clears its counts. @returns whether it existed. */
  reset(name: string): boolean;
  /** Resets every breaker. */
  resetAll(): void;
  /** Holds the breaker open until `reset()`; creates it if needed, so it can be forced before first use. */
  forceOpen(name: string): void;
  /** Switches the breaker off until `reset()`; creates it if needed. */
  disable(name: string): void;
  /** Number of breakers. */
  readonly size: number;
  /** Stops the ticker and detaches every breaker from its store. */
  dispose(): void;
}

/**
 * Creates a registry: get-or-create breakers by name with shared defaults and per-name
 * overrides. The registry re-emits every breaker's events, each carrying the breaker's
 * `name`, and breakers only build event payloads when someone listens.
 *
 * @example
 * const breakers = createBreakerRegistry({ defaults: { failureThreshold: 3 } });
 * breakers.on('stateChange', ({ name, from, to }) => log.warn({ name, from, to }));
 * await breakers.get('postgres').execute(() => pool.query('select 1'));
 */
export function createBreakerRegistry(options: BreakerRegistryOptions = {}): BreakerRegistry {
  return new BreakerRegistryImpl(options);
}

class BreakerRegistryImpl extends EventEmitter<BreakerEvents> implements BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreakerImpl>();
  private readonly defaults: BreakerDefaults;
  private readonly overrides: BreakerRegistryOptions['overrides'];
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(options: BreakerRegistryOptions) {
    super();
    this.defaults = options.defaults ?? {};
    this.overrides = options.overrides;
    if (typeof this.defaults !== 'object' || this.defaults === null) {
      throw new TypeError(`defaults must be an object, got ${String(this.defaults)}`);
    }
    const overrides = this.overrides;
    if (
      overrides !== undefined &&
      typeof overrides !== 'function' &&
      (typeof overrides !== 'object' || overrides === null)
    ) {
      throw new TypeError(
        `overrides must be a record of options by name or a function, got ${String(overrides)}`,
      );
    }
    const tickIntervalMs = options.tickIntervalMs;
    if (tickIntervalMs !== undefined) {
      if (!(tickIntervalMs > 0) || !Number.isFinite(tickIntervalMs)) {
        throw new RangeError(`tickIntervalMs must be a finite number > 0, got ${tickIntervalMs}`);
      }
      this.ticker = setInterval(() => {
        for (const breaker of this.breakers.values()) breaker.refresh();
      }, tickIntervalMs);
      this.ticker.unref?.();
    }
    // Fail at construction, not at the first get(), when the defaults or a named override are invalid.
    new CircuitBreakerImpl({ ...this.defaults, store: undefined, name: 'defaults-check' });
    if (overrides !== undefined && typeof overrides !== 'function') {
      for (const [name, override] of Object.entries(overrides)) {
        try {
          new CircuitBreakerImpl({ ...this.defaults, ...override, store: undefined, name });
        } catch (error) {
          const Type = error instanceof RangeError ? RangeError : TypeError;
          throw new Type(`overrides["${name}"]: ${(error as Error).message}`);
        }
      }
    }
  }

  get size(): number {
    return this.breakers.size;
  }

  get(name: string, overrides?: BreakerDefaults): CircuitBreaker {
    let breaker = this.breakers.get(name);
    if (breaker) return breaker;
    const configured =
      typeof this.overrides === 'function' ? this.overrides(name) : this.overrides?.[name];
    breaker = new CircuitBreakerImpl({ ...this.defaults, ...configured, ...overrides, name }, this);
    this.breakers.set(name, breaker);
    return breaker;
  }

  has(name: string): boolean {
    return this.breakers.has(name);
  }

  list(): BreakerSnapshot[] {
    return Array.from(this.breakers.values(), (breaker) => breaker.snapshot());
  }

  reset(name: string): boolean {
    const breaker = this.breakers.get(name);
    breaker?.reset();
    return breaker !== undefined;
  }

  resetAll(): void {
    for (const breaker of this.breakers.values()) breaker.reset();
  }

  forceOpen(name: string): void {
    this.get(name).forceOpen();
  }

  disable(name: string): void {
    this.get(name).disable();
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const breaker of this.breakers.values()) breaker.dispose();
  }
}
