/**
 * The list rows (docs/api.md §7) of the held contracts, rendered once when a contract changes (by the
 * SQL path's own rendering, so the bytes are the same) and kept as UTF-8 in large off-heap chunks:
 * a page is then a copy of ~50 rows, not ~50 renders. A replaced row leaves its old bytes behind;
 * once they outweigh the live ones, the live rows are copied into fresh chunks.
 */
import type { ByteWriter } from '../domain/byte-writer.js';
import { grown } from './typed-arrays.js';

const CHUNK_BYTES = 4 * 1024 * 1024;
/** Garbage tolerated before a compaction: at least this much, and at least the live bytes. */
const MIN_GARBAGE_BYTES = 16 * 1024 * 1024;
const COMMA = 0x2c;
const NONE = -1;

export class RowStore {
  private chunks: Uint8Array[] = [];
  /** Bytes used in the last chunk. */
  private filled = CHUNK_BYTES;
  private chunkOf: Int32Array;
  private offsetOf: Int32Array;
  private lengthOf: Int32Array;
  private liveBytes = 0;
  private garbageBytes = 0;

  constructor(capacity: number) {
    this.chunkOf = new Int32Array(capacity).fill(NONE);
    this.offsetOf = new Int32Array(capacity);
    this.lengthOf = new Int32Array(capacity);
  }

  grow(capacity: number): void {
    this.chunkOf = grown(this.chunkOf, capacity, NONE);
    this.offsetOf = grown(this.offsetOf, capacity);
    this.lengthOf = grown(this.lengthOf, capacity);
  }

  /** Holds `json` (the row's UTF-8) for `slot`, replacing what it held. */
  write(slot: number, json: Uint8Array): void {
    this.clear(slot);
    this.place(slot, json);
    if (this.garbageBytes > Math.max(MIN_GARBAGE_BYTES, this.liveBytes)) this.compact();
  }

  clear(slot: number): void {
    if (this.chunkOf[slot] === NONE) return;
    this.liveBytes -= this.lengthOf[slot]!;
    this.garbageBytes += this.lengthOf[slot]!;
    this.chunkOf[slot] = NONE;
  }

  /** The row held for `slot` (a view, valid until the next write). */
  row(slot: number): Uint8Array {
    const offset = this.offsetOf[slot]!;
    return this.chunks[this.chunkOf[slot]!]!.subarray(offset, offset + this.lengthOf[slot]!);
  }

  /** Writes the rows of `slots`, comma-separated. */
  writeRows(slots: readonly number[], writer: ByteWriter): void {
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (i > 0) writer.byteCodes(COMMA);
      writer.bytes(this.row(slot));
    }
  }

  get bytes(): { live: number; garbage: number; chunks: number } {
    return { live: this.liveBytes, garbage: this.garbageBytes, chunks: this.chunks.length };
  }

  private place(slot: number, json: Uint8Array): void {
    if (this.filled + json.length > CHUNK_BYTES) {
      this.chunks.push(new Uint8Array(Math.max(CHUNK_BYTES, json.length)));
      this.filled = 0;
    }
    const chunk = this.chunks.length - 1;
    this.chunks[chunk]!.set(json, this.filled);
    this.chunkOf[slot] = chunk;
    this.offsetOf[slot] = this.filled;
    this.lengthOf[slot] = json.length;
    this.filled += json.length;
    this.liveBytes += json.length;
  }

  private compact(): void {
    const old = this.chunks;
    this.chunks = [];
    this.filled = CHUNK_BYTES;
    this.liveBytes = 0;
    this.garbageBytes = 0;
    for (let slot = 0; slot < this.chunkOf.length; slot++) {
      const chunk = this.chunkOf[slot]!;
      if (chunk === NONE) continue;
      const offset = this.offsetOf[slot]!;
      this.place(slot, old[chunk]!.subarray(offset, offset + this.lengthOf[slot]!));
    }
  }
}
