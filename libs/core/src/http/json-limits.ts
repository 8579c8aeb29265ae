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
 * included). Fed chunk by chunk as the body arrives, so a body past a limit is refused at the chunk that
 * breaks it, before the rest is read or buffered; a hostile body costs about as many steps as the limit
 * allows. Malformed text is left for JSON.parse to refuse; the counts only need to be right for
 * well-formed text. UTF-8 multi-byte sequences never contain ASCII bytes, so scanning bytes is exact, and
 * a chunk boundary inside a character or a string changes nothing.
 */
export class JsonLimitScanner {
  private depth = 0;
  private elements = 0;
  /** After `[` or `{`, until the first non-blank byte: a closing bracket means the container is empty. */
  private awaitingFirst = false;
  /** The previous chunk ended inside a string… */
  private inString = false;
  /** …with this many backslashes in a row at its end (an odd count escapes this chunk's first byte). */
  private trailingBackslashes = 0;

  constructor(private readonly limits: JsonLimits) {}

  /** Scans the next chunk; the limit the body has broken so far, or undefined. */
  push(bytes: Uint8Array): JsonLimitExceeded {
    let i = 0;
    if (this.inString) {
      i = this.endOfString(bytes, 0);
      if (i === -1) return undefined;
      i++;
    }
    const length = bytes.length;
    for (; i < length; i++) {
      const byte = bytes[i];
      if (byte === SPACE || byte === LF || byte === CR || byte === TAB) continue;
      if (this.awaitingFirst) {
        this.awaitingFirst = false;
        if (byte !== CLOSE_ARRAY && byte !== CLOSE_OBJECT && ++this.elements > this.limits.maxElements) return 'elements';
      }
      switch (byte) {
        case QUOTE:
          this.trailingBackslashes = 0;
          i = this.endOfString(bytes, i + 1);
          if (i === -1) return undefined;
          break;
        case OPEN_ARRAY:
        case OPEN_OBJECT:
          if (++this.depth > this.limits.maxDepth) return 'depth';
          this.awaitingFirst = true;
          break;
        case CLOSE_ARRAY:
        case CLOSE_OBJECT:
          this.depth--;
          break;
        case COMMA:
          if (++this.elements > this.limits.maxElements) return 'elements';
          break;
        default:
          break;
      }
    }
    return undefined;
  }

  /**
   * Index of the quote that closes the string whose contents (in this chunk) start at `from`, or -1 when
   * the string goes on into the next chunk. Each quote's preceding backslashes are counted only back to
   * the last non-backslash byte, so the whole pass stays linear.
   */
  private endOfString(bytes: Uint8Array, from: number): number {
    let i = from;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, i);
      if (quote === -1) {
        let run = 0;
        for (let j = bytes.length - 1; j >= i && bytes[j] === BACKSLASH; j--) run++;
        // Only a chunk that is backslashes from the string's start on extends the previous chunk's run.
        this.trailingBackslashes = run === bytes.length - from ? this.trailingBackslashes + run : run;
        this.inString = true;
        return -1;
      }
      let backslashes = 0;
      let j = quote - 1;
      for (; j >= from && bytes[j] === BACKSLASH; j--) backslashes++;
      if (j < from) backslashes += this.trailingBackslashes;
      this.trailingBackslashes = 0;
      if (backslashes % 2 === 0) {
        this.inString = false;
        return quote;
      }
      i = quote + 1;
    }
  }
}

/** The whole text at once: which limit it breaks, if any. */
export function exceedsJsonLimits(bytes: Uint8Array, limits: JsonLimits): JsonLimitExceeded {
  return new JsonLimitScanner(limits).push(bytes);
}
