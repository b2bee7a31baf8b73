import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The project's own schema of the two request bodies, written from Marketo's published facts; it is
 * in the repository, so the envelope tests validate on any clone.
 */
export const PROJECT_XSD = resolve(import.meta.dirname, '../fixtures/mktows-requests.xsd');

/**
 * Marketo's published schema, when the environment names it: `.ci/run` sets MKTSYNC_PUBLISHED_XSD to
 * the published mktows-2_3.xsd when the reference material beside the clone has it. A user's clone
 * has none, and the tests never look for it themselves.
 */
export function publishedXsd(): string | undefined {
  const path = process.env.MKTSYNC_PUBLISHED_XSD;
  if (path === undefined || path === '') return undefined;
  if (!existsSync(path)) throw new Error(`MKTSYNC_PUBLISHED_XSD names ${path}, which does not exist`);
  return path;
}

function xmllint(file: string, xsd: string): string {
  try {
    execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' });
    return '';
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    return stderr.trim();
  }
}

/**
 * Validates one `params…` element with xmllint against the project's schema and, when named, the
 * published one; returns the complaints ('' when valid against every schema used).
 */
export function validateAgainstSchema(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-xsd-'));
  try {
    const file = join(dir, 'body.xml');
    writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    const published = publishedXsd();
    return [PROJECT_XSD, ...(published ? [published] : [])]
      .map((xsd) => xmllint(file, xsd))
      .filter((complaint) => complaint !== '')
      .join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
