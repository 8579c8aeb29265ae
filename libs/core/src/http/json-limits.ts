/** How far a JSON body may nest and how many values its arrays and objects may hold together. */
export interface JsonLimits {
  maxDepth: number;
  maxElements: number;
}

/** Which limit a body broke, or undefined when it is within both. */
export type JsonLimitExceeded = 'depth' | 'elements' | undefined;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * One linear pass over the raw UTF-8 bytes of a JSON text, before anything parses it: counts the nesting
 * of `[`/`{` and the elements of arrays and members of objects, skipping string contents (escapes
 * included). Stops at the first byte past a limit, so a hostile body costs about as many steps as the
 * limit allows. Malformed text is left for JSON.parse to refuse; the counts only need to be right for
 * well-formed text. UTF-8 multi-byte sequences never contain ASCII bytes, so scanning bytes is exact.
 */
export function exceedsJsonLimits(bytes: Uint8Array, limits: JsonLimits): JsonLimitExceeded {
  let depth = 0;
  let elements = 0;
  // After `[` or `{`, until the first non-blank byte: a closing bracket means the container is empty.
  let awaitingFirst = false;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte === SPACE || byte === LF || byte === CR || byte === TAB) continue;
    if (awaitingFirst) {
      awaitingFirst = false;
      if (byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT && ++elements > limits.maxElements) return 'elements';
    }
    switch (byte) {
      case QUOTE:
        i = endOfString(bytes, i + 1);
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > limits.maxDepth) return 'depth';
        awaitingFirst = true;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        depth--;
        break;
      case COMMA:
        if (++elements > limits.maxElements) return 'elements';
        break;
      default:
        break;
    }
  }
  return undefined;
}

/** Index of the quote that closes the string whose contents start at `from` (or the end of the text). */
function endOfString(bytes: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, i);
    if (quote === -1) return bytes.length;
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    for (let j = quote - 1; j >= from && bytes[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}
