// A least-recently-used cache bounded by the bytes its values stand for, not by their count:
// one entry may be a 4 MB table version and the next a 2 KB view, so a count bound says nothing
// about memory. The caller states each value's size (the byte length of its serialised form,
// known when the file was read, written or rendered).
import { assert } from './assert.js';

export class ByteLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  private bytesUsed = 0;

  constructor(readonly bytesMax: number) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0, 'ByteLru needs a positive byte bound');
  }

  /** Bytes currently accounted for; never above `bytesMax`. */
  get bytes(): number {
    return this.bytesUsed;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Map keeps insertion order: re-inserting moves the entry to the young end
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Remembers `value`; a value larger than the whole bound is not kept at all. */
  set(key: K, value: V, bytes: number): void {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, 'ByteLru sizes are non-negative integers');
    this.delete(key);
    if (bytes > this.bytesMax) return;
    this.entries.set(key, { value, bytes });
    this.bytesUsed += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytesUsed <= this.bytesMax) break;
      this.entries.delete(oldest);
      this.bytesUsed -= entry.bytes;
    }
    assert(this.bytesUsed <= this.bytesMax, 'ByteLru over its bound');
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytesUsed -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytesUsed = 0;
  }
}
