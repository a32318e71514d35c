/**
 * Putting data into HTML. Symbol names, file names and labels come from users' files, so every
 * page kalrev writes passes them through these: {@link escapeHtml} for element text and quoted
 * attribute values, {@link scriptJson} for data inlined in a `<script>`, and, in the pages' own
 * scripts, {@link ESC_JS} (or `textContent`) before anything reaches `innerHTML`.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe as element content or as a quoted (single or double) attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

// `<` ends a script (`</script>`) or opens a comment (`<!--`); `>` and `&` for good measure;
// U+2028 and U+2029 end a line in older JavaScript (a JSON string may hold them, a JS one not)
const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * JSON that can be inlined in a `<script>` (as a JavaScript expression or in a
 * `type="application/json"` block): no character of it can end the script, open a comment or
 * break a line. NaN and ±Infinity are written as null (JSON has no such numbers).
 */
export function scriptJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? null : x,
  ) as string | undefined;
  return (text ?? 'null').replace(SCRIPT_UNSAFE, unicodeEscape);
}

/** {@link escapeHtml} for a page's inline script: `esc(s)`. */
export const ESC_JS = `function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}`;
