import { isUnreachable, MarketoCallError, type Transport } from '../transport/contract.js';

/**
 * Whether this worker can reach Marketo at all, as its own calls found it: after a call that could
 * not even connect (refused, unresolvable, connect timeout) and until a call gets any answer, nothing
 * can be sent from here, and readiness says so. The records themselves follow the delivery policy.
 */
export class Reachability {
  #since: number | null = null;
  #last = 0;
  #why = '';

  /**
   * @param staleMs - a refused connection older than this, with no call since, no longer counts: a
   * worker with nothing left to send would otherwise stay unready after Marketo came back.
   */
  constructor(private readonly staleMs: number) {}

  /** Why nothing can be sent from this worker, or null while calls reach Marketo. */
  problem(setting: string): string | null {
    if (this.#since === null || Date.now() - this.#last > this.staleMs) return null;
    return `nothing can be sent: Marketo cannot be reached (${this.#why}) since ${new Date(this.#since).toISOString()}; check ${setting} and the network`;
  }

  /** `transport` whose calls update this view (any answer clears it, a refused connection sets it). */
  watch(transport: Transport): Transport {
    const send: Transport['send'] = async (call, options) => {
      try {
        const results = await transport.send(call, options);
        this.#since = null;
        return results;
      } catch (error) {
        if (error instanceof MarketoCallError) {
          if (isUnreachable(error)) {
            this.#since ??= Date.now();
            this.#last = Date.now();
            this.#why = error.code ?? 'no connection';
          } else if (error.httpStatus !== undefined || error.applied !== 'not-sent') this.#since = null;
        }
        throw error;
      }
    };
    return new Proxy(transport, {
      get(target, property, receiver) {
        if (property === 'send') return send;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
