/**
 * Byte offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when the bytes are all valid UTF-8. A sequence cut
 * short by the end of the bytes counts as invalid at its first byte. Used only to say where a body went
 * wrong once the decoder has refused it, so it need not be fast.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let size: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) size = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      size = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // U+D800–U+DFFF, surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      size = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    if (i + size > length) return i;
    const second = bytes[i + 1];
    if (second < low || second > high) return i;
    for (let k = 2; k < size; k++) {
      const next = bytes[i + k];
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += size;
  }
  return -1;
}

/** A body that was not valid UTF-8, and where. */
export class InvalidUtf8Error extends Error {
  constructor(readonly offset: number) {
    super(`not valid UTF-8 at byte ${offset}`);
  }
}

/**
 * Decodes UTF-8 chunk by chunk as a body arrives, refusing the first chunk that holds an invalid sequence
 * (a character split between two chunks is fine: the decoder carries its first bytes over). Nothing is
 * replaced by U+FFFD: the text is exactly what the client sent, or an InvalidUtf8Error with the offset of
 * the first bad byte. A leading BOM is kept in the text, so the caller decides what it means.
 */
export class Utf8StreamDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly parts: string[] = [];
  /** Every chunk so far, only so that a refusal can name the offset. */
  private readonly chunks: Uint8Array[] = [];

  /** Decodes the next chunk; throws InvalidUtf8Error when the bytes so far cannot be UTF-8. */
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    try {
      this.parts.push(this.decoder.decode(chunk, { stream: true }));
    } catch {
      throw this.invalid();
    }
  }

  /** The whole text; throws InvalidUtf8Error when the body ends inside a character. */
  end(): string {
    try {
      this.parts.push(this.decoder.decode());
    } catch {
      throw this.invalid();
    }
    return this.parts.join('');
  }

  private invalid(): InvalidUtf8Error {
    const offset = firstInvalidUtf8Offset(Buffer.concat(this.chunks));
    this.chunks.length = 0;
    this.parts.length = 0;
    return new InvalidUtf8Error(Math.max(0, offset));
  }
}

/** The decoded text of one UTF-8 buffer, or an InvalidUtf8Error naming the first bad byte. */
export function decodeUtf8(bytes: Uint8Array): string {
  const decoder = new Utf8StreamDecoder();
  decoder.push(bytes);
  return decoder.end();
}
