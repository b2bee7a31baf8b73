import { FAULT_NAMES } from '../soap/faults.js';

/** A whole-call fault the emulator answers with HTTP 500, in Marketo's exact form. */
export class EmulatorFault extends Error {
  override readonly name = 'EmulatorFault';
  constructor(
    readonly code: number,
    /** The `serviceException/message` detail, e.g. `unknown fields for import: pants`. */
    readonly detail: string = FAULT_NAMES[code] ?? 'Error',
  ) {
    super(`${code} - ${detail}`);
  }
}

/** The error text of a FAILED record: `<code> - <text>`, so that the code can be read back. */
export function recordError(code: number, text: string): string {
  return `${code} - ${text}`;
}
