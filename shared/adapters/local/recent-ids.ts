/**
 * The ids most recently written to one event table, kept as 64-bit hashes so that a million of
 * them fit in 16 MB. It answers "might this id be stored?": never "no" for an id among the last
 * `window` ids added, and "yes" for an id it never saw only with probability about
 * window / 2^64, which is why a "yes" is only a suspicion that the caller checks against the
 * table. Two generations of `window / 2` ids each: when the newer fills up, the older is
 * dropped, so between `window / 2` and `window` of the latest ids are always remembered.
 */

/** Slots per generation are a power of two at least twice its entries: probing stays short. */
class HashGeneration {
  private slots: Uint32Array;
  private mask: number;
  size = 0;

  constructor(private readonly capacity: number) {
    const slotCount = Math.min(2 ** Math.ceil(Math.log2(capacity * 2)), 1024);
    this.slots = new Uint32Array(slotCount * 2);
    this.mask = slotCount - 1;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  has(high: number, low: number): boolean {
    for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = this.slots[slot * 2]!;
      const l = this.slots[slot * 2 + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === high && l === low) return true;
    }
  }

  add(high: number, low: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    if (this.insert(high, low)) this.size++;
  }

  private insert(high: number, low: number): boolean {
    for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = this.slots[slot * 2]!;
      const l = this.slots[slot * 2 + 1]!;
      if (h === high && l === low) return false;
      if (h === 0 && l === 0) {
        this.slots[slot * 2] = high;
        this.slots[slot * 2 + 1] = low;
        return true;
      }
    }
  }

  /** Doubles the slots; a generation only grows as far as its ids need. */
  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
    }
  }
}

export class RecentIds {
  private newer: HashGeneration;
  private older: HashGeneration | undefined;

  constructor(private readonly window: number) {
    if (!Number.isInteger(window) || window < 2) throw new RangeError('The window must be an integer of at least 2.');
    this.newer = new HashGeneration(window / 2);
  }

  /** True when `id` may have been added (always, if it was among the last `window` added). */
  mightHave(id: string): boolean {
    const [high, low] = hash64(id);
    return this.newer.has(high, low) || (this.older?.has(high, low) ?? false);
  }

  add(id: string): void {
    const [high, low] = hash64(id);
    if (this.newer.full) {
      this.older = this.newer;
      this.newer = new HashGeneration(this.window / 2);
    }
    this.newer.add(high, low);
  }
}

/**
 * Two independent 32-bit FNV-1a-style hashes of the UTF-16 code units, never both zero (zero
 * marks an empty slot). Not cryptographic: an id that collides is only checked, never dropped.
 */
export function hash64(text: string): [number, number] {
  let high = 0x811c9dc5;
  let low = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    high = Math.imul(high ^ unit, 0x01000193);
    low = Math.imul(low ^ unit, 0x5bd1e995);
    low ^= low >>> 15;
  }
  high = mix(high ^ text.length) >>> 0;
  low = mix(low) >>> 0;
  return high === 0 && low === 0 ? [0, 1] : [high, low];
}

/** murmur3's finaliser: spreads every input bit over the output. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
