/**
 * The end of an exhaustive switch over a closed list: the compiler refuses a call whose argument can
 * still be a value of the list (a case is missing), and at run time an unlisted value (data from an
 * older or newer release) throws naming it instead of falling through silently.
 */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`${what}: unknown value ${JSON.stringify(value)}`);
}
