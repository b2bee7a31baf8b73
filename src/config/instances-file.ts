import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { TRANSPORT_KINDS } from '../vocabulary/transport-kinds.js';
import { ConfigError } from './config-error.js';

/** Largest instances file read (a file of a thousand instances is far below it). */
export const MAX_INSTANCES_FILE_BYTES = 4 * 1024 * 1024;
/** Largest secret file read (a client secret or encryption key is well under 1 KiB). */
export const MAX_SECRET_FILE_BYTES = 16 * 1024;
/** Most instances one file may name: the bound of the `marketo_instance` metric label. */
export const MAX_INSTANCES = 1000;

/**
 * An instance name: letters, digits, `-`, `_`, `.` (a Munchkin id such as `123-ABC-456` fits). It becomes
 * part of the Redis hash tag, URL paths and a metric label, so nothing else is allowed.
 */
export const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const instanceName = z
  .string()
  .regex(INSTANCE_NAME, "must be 1-64 letters, digits, '-', '_', '.' (starting with a letter or digit)");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const count = (min: number) => z.number().int('must be a whole number').min(min, `must be at least ${min}`);

/** A secret named by where it is, never given in the file itself. */
const secretRef = (what: string) =>
  z
    .strictObject({
      /** The environment variable holding it. */
      env: envName.optional(),
      /** A file holding it (e.g. a mounted Kubernetes or Docker secret); surrounding blanks are ignored. */
      file: z.string().min(1).optional(),
    })
    .refine((s) => (s.env === undefined) !== (s.file === undefined), {
      message: `name exactly one of env or file holding the ${what} (never the ${what} itself)`,
    });

const restSchema = z.strictObject({
  endpoint: url,
  identityEndpoint: url.optional(),
  clientId: z.string().min(1),
  clientSecret: secretRef('client secret'),
  foreignIdField: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a REST field name (letters, digits, _)')
    .optional(),
  partition: z.string().min(1).optional(),
});

const soapSchema = z.strictObject({
  endpoint: url,
  userId: z.string().min(1),
  encryptionKey: secretRef('encryption key'),
});

const instanceSchema = z
  .strictObject({
    name: instanceName,
    transport: z.enum(TRANSPORT_KINDS),
    rest: restSchema.optional(),
    soap: soapSchema.optional(),
    /** Calls per window shared by every worker of this instance (0 = off). */
    rateLimit: count(0).optional(),
    rateWindowMs: count(1).optional(),
    /** Calls at once across every worker of this instance (0 = off). */
    maxConcurrent: count(0).optional(),
    dailyQuota: count(1).optional(),
    /**
     * Keep the keys of a deployment configured by the environment (`{MKTSYNC_PREFIX}`), so its buffer
     * goes on draining after the move to a file. At most one instance may.
     */
    legacyKeys: z.boolean().optional(),
  })
  .superRefine((i, ctx) => {
    if (!i[i.transport])
      ctx.addIssue({
        code: 'custom',
        path: [i.transport],
        message: `is required for transport ${i.transport}`,
      });
  });

/** One instance as the file describes it. */
export type InstanceSpec = z.output<typeof instanceSchema>;

const fileSchema = z
  .strictObject({
    /** The instance the paths without an instance (`/v1/leads`, commands without `--instance`) go to. */
    default: instanceName.optional(),
    instances: z.array(instanceSchema).min(1, 'must name at least one instance').max(MAX_INSTANCES),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.instances.forEach((i, n) => {
      if (seen.has(i.name))
        ctx.addIssue({
          code: 'custom',
          path: ['instances', n, 'name'],
          message: `"${i.name}" is named twice`,
        });
      seen.add(i.name);
    });
    if (f.default !== undefined && !seen.has(f.default))
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `names no instance of the file ("${f.default}")`,
      });
    if (f.instances.filter((i) => i.legacyKeys).length > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['instances'],
        message: 'at most one instance may keep the legacy keys',
      });
  });

/** The instances file, validated. */
export type InstancesFile = z.output<typeof fileSchema>;

/** Where a zod issue is, named by the instance it is in when it is in one: `instance "a": rest.endpoint`. */
function issueText(file: unknown, issue: z.core.$ZodIssue): string {
  const [top, index, ...rest] = issue.path;
  if (top === 'instances' && typeof index === 'number') {
    const raw = (file as { instances?: { name?: unknown }[] }).instances?.[index]?.name;
    const who = typeof raw === 'string' ? `instance "${raw.slice(0, 64)}"` : `instances[${index}]`;
    return `${who}: ${rest.length > 0 ? rest.join('.') : '(the instance)'} ${issue.message}`;
  }
  return `${issue.path.join('.') || '(the file)'} ${issue.message}`;
}

/** Parses and validates the text of an instances file (JSON, or YAML when `yaml`). */
export function parseInstancesFile(
  text: string,
  yaml: boolean,
  source = 'MKTSYNC_INSTANCES_FILE',
): InstancesFile {
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text, { maxAliasCount: 100 }) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${source}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.slice(0, 200)}`,
    );
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`${source}: ${parsed.error.issues.map((i) => issueText(raw, i)).join('; ')}`);
  return parsed.data;
}

/** Reads a file of at most `max` bytes, or a {@link ConfigError} naming `what`. */
export function readBoundedFile(path: string, max: number, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new ConfigError(
      `${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > max) throw new ConfigError(`${what}: ${path} is larger than ${max} bytes`);
  return readFileSync(path, 'utf8');
}

/** Reads and validates the instances file at `path` (`.yaml`/`.yml` as YAML, anything else as JSON). */
export function readInstancesFile(path: string): InstancesFile {
  const text = readBoundedFile(path, MAX_INSTANCES_FILE_BYTES, 'MKTSYNC_INSTANCES_FILE');
  return parseInstancesFile(text, /\.ya?ml$/i.test(path));
}
