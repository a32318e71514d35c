/**
 * Masks credentials in text before it is printed, logged or stored: the user-info of URLs
 * (`redis://:PASSWORD@host` → `redis://***@host`), the arguments of Redis `AUTH` commands (also
 * as ioredis shows them in an error's `command`), and every secret registered with
 * {@link registerSecret} (a password as given, and percent-decoded), wherever it appears.
 */

const secrets = new Set<string>();

/** Masks `secret` in everything {@link redact} sees from now on (empty strings are ignored). */
export function registerSecret(secret: string): void {
  if (secret === '') return;
  secrets.add(secret);
  try {
    const decoded = decodeURIComponent(secret);
    if (decoded !== '') secrets.add(decoded);
  } catch {
    // not percent-encoded: the raw form is registered
  }
}

/** Registers the password (and user-info) of a URL-like string as secrets; returns `url`. */
export function registerUrlSecrets(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url);
  if (m) {
    const info = m[1];
    const colon = info.indexOf(':');
    registerSecret(colon >= 0 ? info.slice(colon + 1) : info);
  }
  return url;
}

// scheme://user-info@ ; the user-info has no '/', whitespace or quote, and may contain '@' only
// as the last one before the host
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"`]*@/gi;
// AUTH [user] password, as text (a command line, "HELLO 3 AUTH user pass")
const AUTH_TEXT = /\b(AUTH)\b((?:\s+(?!\*\*\*)[^\s,;)\]}'"]+){1,2})/gi;
// ioredis' `command: { name: 'auth', args: [ … ] }` (util.inspect) and its JSON form
const AUTH_ARGS = /((['"]?)name\2\s*:\s*(['"])(?:auth|hello)\3\s*,\s*(['"]?)args\4\s*:\s*)\[[^\]]*\]/gi;

/** `text` with every credential masked as `***`. */
export function redact(text: string): string {
  let out = text.replace(URL_USERINFO, '$1***@').replace(AUTH_ARGS, '$1[***]').replace(AUTH_TEXT, '$1 ***');
  // longest first, so a secret containing another is masked whole
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}

/** An error's message (or the value as text), redacted. */
export const redactedMessage = (e: unknown): string => redact(e instanceof Error ? e.message : String(e));
