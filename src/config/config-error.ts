import { z } from 'zod';

/** Raised for invalid settings; the message names the variable and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment as handed in (the CLI passes `process.env`; tests their own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A whole number of at least `min`, read from text. */
export const int = (min: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`);

/** The variables that are set to something other than blanks: a blank one takes its default. */
export function blankless(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '',
    ),
  );
}

/** A {@link ConfigError} naming each variable zod refused and why, `; `-separated. */
export function schemaError(error: z.ZodError): ConfigError {
  return new ConfigError(error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
}
