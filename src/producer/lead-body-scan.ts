import type { TextChange } from '../buffer/buffer.js';
import { INT_MAX } from '../model/records.js';
import { assertNever } from '../vocabulary/assert-never.js';
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

/** The fields of a plain lead change. */
const LEAD_FIELDS = ['Email', 'Id', 'attributes', 'dedupEnabled', 'idempotencyKey'] as const;
type LeadField = (typeof LEAD_FIELDS)[number];
/** Each field at its first character's code (the five differ in it): an array, read per field name. */
const FIELD_BY_FIRST: (LeadField | undefined)[] = new Array<LeadField | undefined>(128).fill(undefined);
for (const f of LEAD_FIELDS) FIELD_BY_FIRST[f.charCodeAt(0)] = f;

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

  /**
   * The field name at i (a quote) when it is one of a plain lead's, as that name's constant (compared
   * in place: no slice, and the switch compares constants); i then stands after its closing quote.
   * Anything else, an escaped name too, is none.
   */
  private field(): LeadField | undefined {
    const text = this.text;
    const i = this.i;
    if (text.charCodeAt(i) !== 0x22) return undefined;
    const name = FIELD_BY_FIRST[text.charCodeAt(i + 1)];
    if (name === undefined || !text.startsWith(name, i + 1) || text.charCodeAt(i + 1 + name.length) !== 0x22)
      return undefined;
    this.i = i + name.length + 2;
    return name;
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

  /**
   * The number starting at i as the text `String(value)` gives; none when it is not a finite JSON
   * number. A whole number of at most 15 digits, without a sign or with '-' before a non-zero one, is
   * its own text: sliced as it stands, without a round trip through a double.
   */
  private numberText(): string | undefined {
    const text = this.text;
    const start = this.i;
    const from = text.charCodeAt(start) === 0x2d ? start + 1 : start;
    const first = text.charCodeAt(from);
    if (first >= 0x31 && first <= 0x39) {
      let i = from + 1;
      while (i < this.n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
      const next = text.charCodeAt(i);
      if (i - from <= 15 && next !== 0x2e && next !== 0x65 && next !== 0x45) {
        this.i = i;
        return text.slice(start, i);
      }
    }
    const value = this.number();
    return value === undefined ? undefined : String(value);
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

  /**
   * The data text of the lead being read, in pieces: its attributes as the buffer's JSON (`"name":"text"`
   * pairs and commas), joined once the lead is read. One join writes one flat string, where appending
   * piece by piece writes a rope of a dozen strings per change. Held until Redis answers, the ropes were
   * what the young-generation collections mostly copied once the command text (written-command.ts) no
   * longer flattened them as a side effect: 170-275 ms of scavenges per 100,000 changes with ropes,
   * 60-93 ms joined (measured with a `gc` PerformanceObserver; docs/benchmarks.md).
   */
  private pieces: string[] = [];
  /** Over REST: whether an attribute named email (in any case) holds a character outside ASCII. */
  private restEmail = false;
  /**
   * The names of the attributes object being read (to leave a repeated one to the general path): the
   * first ones of the list, as many as read so far (the list is written over, never emptied).
   */
  private readonly names: string[] = [];

  /** Reads the attributes object at i into pieces and restEmail; false when it is not plain. */
  private attributes(): boolean {
    const text = this.text;
    const names = this.names;
    const pieces = this.pieces;
    let count = 0;
    this.i++;
    this.skipSpace();
    if (text.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return true;
    }
    for (;;) {
      if (text.charCodeAt(this.i) !== 0x22) return false;
      const pairStart = this.i;
      const name = this.string();
      // JSON.parse keeps a repeated name's last value: such a body is left to the general path, and so
      // is an object of more than MAX_NAMES attributes (the look-up of repeats grows with their square).
      if (name === undefined || count === MAX_NAMES || !validName(name)) return false;
      for (let k = 0; k < count; k++) if (names[k] === name) return false;
      names[count++] = name;
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
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) value = this.numberText();
        else if (this.literal('true')) value = 'true';
        else if (this.literal('false')) value = 'false';
        else if (this.literal('null')) value = '';
        if (value === undefined) return false;
        pair = `"${name}":"${value}"`;
      }
      if (count > 1) pieces.push(',');
      pieces.push(pair);
      this.skipSpace();
      const next = text.charCodeAt(this.i++);
      if (next === 0x7d) return true;
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
    // A new list per lead: emptying one by its length is a call into the runtime, dearer than a new array.
    const pieces = (this.pieces = ['{"attributes":{']);
    this.restEmail = false;
    let dedupEnabled: boolean | undefined;
    let idempotencyKey: string | undefined;
    this.skipSpace();
    for (;;) {
      const field = this.field();
      if (field === undefined || !this.colon()) return undefined;
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
          return assertNever(field, 'lead field');
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
    pieces.push('}');
    if (Id !== undefined) pieces.push(',"Id":', String(Id));
    if (Email !== undefined) pieces.push(',"Email":"', Email, '"');
    pieces.push('}');
    const keys = { Id, Email, dedupEnabled };
    const change: TextChange = {
      key: leadKey(keys),
      group: leadGroupName(keys, dedupEnabled),
      dataText: pieces.join(''),
    };
    if (idempotencyKey !== undefined) change.idempotencyKey = idempotencyKey;
    return change;
  }
}
