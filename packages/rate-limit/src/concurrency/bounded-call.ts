import { StoreTimeoutError } from '../store-timeout-error.js';

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/**
 * Runs one store call and settles with its result, or rejects with a {@link StoreTimeoutError}
 * once `timeoutMs` passes first. A synchronous answer needs no timer.
 */
export function boundedCall<T>(operation: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  let result: T | Promise<T>;
  try {
    result = operation();
  } catch (error) {
    return Promise.reject(error);
  }
  if (!isPromiseLike(result)) return Promise.resolve(result);
  const pending = result;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(timeoutMs)), timeoutMs);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
