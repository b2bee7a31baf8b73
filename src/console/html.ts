/**
 * The console's HTML building blocks. Every value from records, Marketo or operators goes through
 * {@link esc} (text and attribute values alike), so a field holding `<script>` or `"><img onerror>`
 * shows as text.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML text and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A trusted HTML fragment (built only from escaped values and literals). */
export interface Html {
  readonly html: string;
}

/** Template tag: interpolated values are escaped unless they are {@link Html} fragments or arrays of them. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { html: out };
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && 'html' in v) return (v as Html).html;
  return esc(v);
}

/** Joins fragments. */
export function join(parts: readonly Html[]): Html {
  return { html: parts.map((p) => p.html).join('') };
}

/** An epoch-ms time as ISO text (UTC, seconds), or a dash. */
export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms)
    ? '—'
    : new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** A duration in ms as `3 h 12 min`, `4 min 5 s` or `12 s`. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
