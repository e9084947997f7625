/**
 * A growing byte buffer for response bodies assembled from many small parts (a list page is ~50
 * rows of ~30 parts each): copying pre-encoded bytes and ASCII text into one array costs less
 * than concatenating strings and encoding the result.
 */
export class ByteWriter {
  private bytesOut: Uint8Array;
  private length = 0;

  constructor(expectedBytes: number) {
    this.bytesOut = uninitialized(Math.max(256, expectedBytes));
  }

  bytes(part: Uint8Array): void {
    const size = part.length;
    if (this.length + size > this.bytesOut.length) this.grow(size);
    this.bytesOut.set(part, this.length);
    this.length += size;
  }

  /** Text known to be ASCII (numbers, timestamps, JSON punctuation): one byte a character. */
  ascii(text: string): void {
    const size = text.length;
    if (this.length + size > this.bytesOut.length) this.grow(size);
    const out = this.bytesOut;
    let at = this.length;
    for (let i = 0; i < size; i++) out[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** A few bytes given one by one. */
  byteCodes(...codes: number[]): void {
    if (this.length + codes.length > this.bytesOut.length) this.grow(codes.length);
    const out = this.bytesOut;
    for (let i = 0; i < codes.length; i++) out[this.length++] = codes[i]!;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.bytes(Buffer.from(text));
  }

  /** The bytes written (the writer must not be used afterwards). */
  done(): Buffer {
    return Buffer.from(this.bytesOut.buffer, this.bytesOut.byteOffset, this.length);
  }

  private grow(needed: number): void {
    const grown = uninitialized(Math.max(this.bytesOut.length * 2, this.length + needed));
    grown.set(this.bytesOut.subarray(0, this.length));
    this.bytesOut = grown;
  }
}

/** Memory every byte of which is written before it is read: no zero-filling (a page is ~50 KB). */
function uninitialized(size: number): Uint8Array {
  const buffer = Buffer.allocUnsafe(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}
