import { MarketoCallError } from '../transport/contract.js';

/** `promise`, or a not-sent "aborted" error as soon as `signal` aborts (the promise itself runs on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  const aborted = (): MarketoCallError =>
    new MarketoCallError(`call abandoned while waiting for ${what}`, {
      category: 'transient',
      code: 'aborted',
      applied: 'not-sent',
    });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
