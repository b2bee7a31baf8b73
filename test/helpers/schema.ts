import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The published mktows 2_3 schema, read from shared/ beside the repository (never copied into it). */
export const PUBLISHED_XSD = resolve(import.meta.dirname, '../../../shared/reference/wsdl/mktows-2_3.xsd');

/** Validates one `params…` element against the published schema with xmllint; returns xmllint's complaint or ''. */
export function validateAgainstSchema(xml: string): string {
  if (!existsSync(PUBLISHED_XSD)) throw new Error(`published schema not found at ${PUBLISHED_XSD}`);
  const dir = mkdtempSync(join(tmpdir(), 'mktsync-xsd-'));
  try {
    const file = join(dir, 'body.xml');
    writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    execFileSync('xmllint', ['--noout', '--schema', PUBLISHED_XSD, file], { stdio: 'pipe' });
    return '';
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    return stderr.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
