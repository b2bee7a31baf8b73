import type { TextChange } from '../buffer/buffer.js';
import { INT_MAX } from '../model/records.js';
import { validName, xmlText } from './fast-lead.js';
import { validIdempotencyKey } from './idempotency-key.js';
import { isRestEmailAttribute, restEmailText } from '../rest/expressible.js';
import type { IntakeRules } from './changes.js';
import { leadGroupName, leadKey } from './record-keys.js';

/** The most attributes one change may have for the scan; a wider object takes the general path. */
const MAX_NAMES = 64;

/**
 * One pass over the text of a plain body of lead changes, from the text straight to what the buffer
 * writes (record key, group, and the data's JSON text), without the objects of `JSON.parse`, the
 * validation's copies and `JSON.stringify`: for HTTP ingestion with one caller those were about half of
 * the ingest process's CPU (memoising them away, as an experiment, cut it from 560–600 to 200–280 ms per
 * 100,000 changes).
 *
 * It answers only "certainly valid" (the changes, exactly what `parseIngestText`, `validateLeads` and
 * `JSON.stringify` of each change's data give) or "not sure" (undefined), for the general path, which
 * also writes the error messages. The plain shape: a non-empty JSON array of objects with `Email`
 * (string), `Id` (integer), `attributes` (an object of strings, numbers, booleans and nulls),
 * `dedupEnabled` and `idempotencyKey`, each at most once, and strings without escapes. Anything else
 * (escapes, ForeignSysPersonId, a repeated name, nesting, invalid JSON, a value the rules refuse) is
 * "not sure". The equivalence is tested over generated bodies and variants (test/unit/lead-body-scan.test.ts).
 */
export function scanLeadBody(text: string, rules: IntakeRules = {}): TextChange[] | undefined {
  return new LeadBodyScan(text, rules.transport === 'rest').body();
}

/** The scan's state: the text and the position `i` read up to. Methods, not closures, for speed. */
class LeadBodyScan {
  private i = 0;
  private readonly n: number;
  constructor(
    private readonly text: string,
    /** Over REST: what REST cannot express is left to the general path, which names it. */
    private readonly rest: boolean,
  ) {
    this.n = text.length;
  }

  body(): TextChange[] | undefined {
    const text = this.text;
    this.skipSpace();
    if (text.charCodeAt(this.i) !== 0x5b) return undefined;
    this.i++;
    this.skipSpace();
    const out: TextChange[] = [];
    for (;;) {
      if (text.charCodeAt(this.i) !== 0x7b) return undefined;
      const change = this.lead();
      if (change === undefined) return undefined;
      out.push(change);
      this.skipSpace();
      const next = text.charCodeAt(this.i++);
      if (next === 0x5d) break;
      if (next !== 0x2c) return undefined;
      this.skipSpace();
    }
    this.skipSpace();
    return this.i === this.n ? out : undefined;
  }

  private skipSpace(): void {
    const text = this.text;
    let i = this.i;
    for (; i < this.n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    }
    this.i = i;
  }

  /**
   * The string starting at i (a quote), as a slice of the text: none when it holds an escape or a raw
   * control character (JSON refuses those), or a character XML 1.0 cannot carry (`xmlText`, as the
   * general path checks, run only on a string with a character from U+D800 up: below, the control
   * characters are all it refuses); i then stands after its closing quote.
   */
  private string(): string | undefined {
    const text = this.text;
    const n = this.n;
    const start = this.i + 1;
    let high = false;
    for (let i = start; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        const value = text.slice(start, i);
        return !high || xmlText(value) ? value : undefined;
      }
      if (c < 0x20 || c === 0x5c) return undefined;
      if (c >= 0xd800) high = true;
    }
    return undefined;
  }

  private digits(): number {
    const text = this.text;
    const from = this.i;
    let i = from;
    while (i < this.n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    this.i = i;
    return i - from;
  }

  /** The number starting at i by JSON's grammar, as a finite value; none when it is not one. */
  private number(): number | undefined {
    const text = this.text;
    const start = this.i;
    if (text.charCodeAt(this.i) === 0x2d) this.i++;
    if (text.charCodeAt(this.i) === 0x30) this.i++;
    else if (this.digits() === 0) return undefined;
    if (text.charCodeAt(this.i) === 0x2e) {
      this.i++;
      if (this.digits() === 0) return undefined;
    }
    const e = text.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = text.charCodeAt(this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      if (this.digits() === 0) return undefined;
    }
    const value = Number(text.slice(start, this.i));
    return Number.isFinite(value) ? value : undefined;
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.i)) return false;
    this.i += word.length;
    return true;
  }

  /** Skips the name-value separator: whitespace, ':', whitespace; false when it is not there. */
  private colon(): boolean {
    this.skipSpace();
    if (this.text.charCodeAt(this.i) !== 0x3a) return false;
    this.i++;
    this.skipSpace();
    return true;
  }

  /** The attributes of the lead being read, as the buffer's JSON: `"name":"text"` pairs. */
  private attributeJson = '';
  /** Over REST: whether an attribute named email (in any case) holds a character outside ASCII. */
  private restEmail = false;
  /** The names of the attributes object being read (to leave a repeated one to the general path). */
  private readonly names: string[] = [];

  /** Reads the attributes object at i into attributeJson and restEmail; false when it is not plain. */
  private attributes(): boolean {
    const text = this.text;
    const names = this.names;
    names.length = 0;
    this.i++;
    let json = '';
    this.skipSpace();
    if (text.charCodeAt(this.i) === 0x7d) {
      this.i++;
      this.attributeJson = json;
      return true;
    }
    for (;;) {
      if (text.charCodeAt(this.i) !== 0x22) return false;
      const pairStart = this.i;
      const name = this.string();
      // JSON.parse keeps a repeated name's last value: such a body is left to the general path, and so
      // is an object of more than MAX_NAMES attributes (the look-up of repeats grows with their square).
      if (name === undefined || names.length === MAX_NAMES || names.includes(name) || !validName(name))
        return false;
      names.push(name);
      if (!this.colon()) return false;
      const c = text.charCodeAt(this.i);
      let pair: string | undefined;
      if (c === 0x22) {
        const value = this.string();
        if (value === undefined) return false;
        if (this.rest && isRestEmailAttribute(name) && !restEmailText(value)) this.restEmail = true;
        // `"name":"text"` as it stands in the body (no space around the colon) is taken whole.
        pair =
          this.i - pairStart === name.length + value.length + 5
            ? text.slice(pairStart, this.i)
            : `"${name}":"${value}"`;
      } else {
        let value: string | undefined;
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          const v = this.number();
          if (v !== undefined) value = String(v);
        } else if (this.literal('true')) value = 'true';
        else if (this.literal('false')) value = 'false';
        else if (this.literal('null')) value = '';
        if (value === undefined) return false;
        pair = `"${name}":"${value}"`;
      }
      json = json === '' ? pair : `${json},${pair}`;
      this.skipSpace();
      const next = text.charCodeAt(this.i++);
      if (next === 0x7d) {
        this.attributeJson = json;
        return true;
      }
      if (next !== 0x2c) return false;
      this.skipSpace();
    }
  }

  /** The lead change object at i; none when not plain or not certainly valid. */
  private lead(): TextChange | undefined {
    const text = this.text;
    this.i++;
    let Email: string | undefined;
    let Id: number | undefined;
    let attributes = false;
    this.attributeJson = '';
    this.restEmail = false;
    let dedupEnabled: boolean | undefined;
    let idempotencyKey: string | undefined;
    this.skipSpace();
    for (;;) {
      if (text.charCodeAt(this.i) !== 0x22) return undefined;
      const field = this.string();
      if (!this.colon()) return undefined;
      const c = text.charCodeAt(this.i);
      switch (field) {
        case 'Email':
          if (Email !== undefined || c !== 0x22) return undefined;
          Email = this.string();
          if (Email === undefined || Email.trim() === '') return undefined;
          break;
        case 'Id':
          if (Id !== undefined || !(c === 0x2d || (c >= 0x30 && c <= 0x39))) return undefined;
          Id = this.number();
          if (Id === undefined || !Number.isInteger(Id) || Id <= 0 || Id > INT_MAX) return undefined;
          break;
        case 'attributes':
          if (attributes || c !== 0x7b || !this.attributes()) return undefined;
          attributes = true;
          break;
        case 'dedupEnabled':
          if (dedupEnabled !== undefined) return undefined;
          if (this.literal('true')) dedupEnabled = true;
          else if (this.literal('false')) dedupEnabled = false;
          else return undefined;
          break;
        case 'idempotencyKey':
          if (idempotencyKey !== undefined || c !== 0x22) return undefined;
          idempotencyKey = this.string();
          if (!validIdempotencyKey(idempotencyKey)) return undefined;
          break;
        default:
          return undefined;
      }
      this.skipSpace();
      const next = text.charCodeAt(this.i++);
      if (next === 0x7d) break;
      if (next !== 0x2c) return undefined;
      this.skipSpace();
    }
    if (Id === undefined && Email === undefined) return undefined;
    if (
      this.rest &&
      ((Email !== undefined && !restEmailText(Email)) ||
        this.restEmail ||
        (dedupEnabled === false && Id !== undefined))
    )
      return undefined;
    let dataText = `{"attributes":{${this.attributeJson}}`;
    if (Id !== undefined) dataText += `,"Id":${Id}`;
    if (Email !== undefined) dataText += `,"Email":"${Email}"`;
    const keys = { Id, Email, dedupEnabled };
    const change: TextChange = {
      key: leadKey(keys),
      group: leadGroupName(keys, dedupEnabled),
      dataText: `${dataText}}`,
    };
    if (idempotencyKey !== undefined) change.idempotencyKey = idempotencyKey;
    return change;
  }
}
