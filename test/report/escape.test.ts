/** The escaping helpers every HTML writer uses (src/report/escape.ts). */
import { describe, expect, it } from 'vitest';
import { ESC_JS, escapeHtml, scriptJson } from '../../src/escape.js';

const HOSTILE = `</script><!--<img src=x onerror="a('1')">&amp;\u2028\u2029`;

describe('escapeHtml', () => {
  it('escapes the five characters that end text or a quoted attribute', () => {
    expect(escapeHtml(HOSTILE)).toBe(
      '&lt;/script&gt;&lt;!--&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;amp;\u2028\u2029',
    );
    expect(escapeHtml(1.5)).toBe('1.5');
  });

  it('the page-side esc() of ESC_JS gives the same text', () => {
    const esc = new Function(`${ESC_JS}; return esc;`)() as (s: unknown) => string;
    expect(esc(HOSTILE)).toBe(escapeHtml(HOSTILE));
  });
});

describe('scriptJson', () => {
  it('has no character that can end a script, open a comment or break a line, and parses back', () => {
    const value = { name: HOSTILE, n: [1, NaN, Infinity, -Infinity, 0.1] };
    const text = scriptJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(text).toBe(
      '{"name":"\\u003c/script\\u003e\\u003c!--\\u003cimg src=x onerror=\\"a(\'1\')\\"\\u003e\\u0026amp;\\u2028\\u2029","n":[1,null,null,null,0.1]}',
    );
    expect(JSON.parse(text)).toEqual({ name: HOSTILE, n: [1, null, null, null, 0.1] });
    // and as a JavaScript expression
    expect(new Function(`return ${text};`)()).toEqual(JSON.parse(text));
  });

  it('writes null for undefined', () => {
    expect(scriptJson(undefined)).toBe('null');
  });
});
