/**
 * A growing byte buffer for response bodies assembled from many small parts (a list page is ~50
 * rows of ~30 parts each): copying pre-encoded bytes and ASCII text into one array costs less
 * than concatenating strings and encoding the result.
 */
export class ByteWriter {
  private bytesOut: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    // Unzeroed: every byte is written before it is read (a page is ~50 KB).
    this.bytesOut = Buffer.allocUnsafe(Math.max(256, expectedBytes));
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

  /** Any text, as UTF-8, encoded straight into the buffer. */
  text(text: string): void {
    // Three bytes per UTF-16 unit at most (a surrogate pair is two units for four bytes).
    if (this.length + text.length * 3 > this.bytesOut.length) this.grow(text.length * 3);
    this.length += this.bytesOut.write(text, this.length);
  }

  /** The bytes written (the writer must not be used afterwards). */
  done(): Buffer {
    return this.bytesOut.subarray(0, this.length);
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.bytesOut.length * 2, this.length + needed));
    grown.set(this.bytesOut.subarray(0, this.length));
    this.bytesOut = grown;
  }
}
