/**
 * The ids most recently written to one event table, kept as 64-bit hashes so that a million of
 * them fit in 16 MB. The hashes are DuckDB's own (`hash(id)`, a UBIGINT), given as two 32-bit
 * halves: the table hands them back from the INSERT that writes the ids, which is far cheaper
 * than handing back the ids as JavaScript strings (~1 µs each on the event loop).
 * It answers "might this id be stored?": never "no" for an id among the last `window` ids
 * added, and "yes" for an id it never saw only with probability about window / 2^64, which is
 * why a "yes" is only a suspicion that the caller checks against the table. Two generations of
 * `window / 2` ids each: when the newer fills up, the older is dropped, so between `window / 2`
 * and `window` of the latest ids are always remembered.
 */

/**
 * A set of 64-bit hashes with room for `capacity` of them (it grows past that if asked). Slots
 * are a power of two at least twice its entries: probing stays short. All-zero marks an empty
 * slot, so the hash 0 is kept as 1 (a collision only ever costs a check).
 */
export class HashSet64 {
  private slots: Uint32Array;
  private mask: number;
  size = 0;

  /** `sized`: slots for all of `capacity` from the start, for a set known to fill up. */
  constructor(
    private readonly capacity: number,
    sized = false,
  ) {
    const slotCount = Math.min(2 ** Math.ceil(Math.log2(Math.max(capacity, 1) * 2)), sized ? Infinity : 1024);
    this.slots = new Uint32Array(slotCount * 2);
    this.mask = slotCount - 1;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  has(high: number, low: number): boolean {
    if (high === 0 && low === 0) low = 1;
    for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = this.slots[slot * 2]!;
      const l = this.slots[slot * 2 + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === high && l === low) return true;
    }
  }

  /** Adds the hash; true when it was not there yet. */
  add(high: number, low: number): boolean {
    if (high === 0 && low === 0) low = 1;
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    if (!this.insert(high, low)) return false;
    this.size++;
    return true;
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
  private newer: HashSet64;
  private older: HashSet64 | undefined;

  constructor(private readonly window: number) {
    if (!Number.isInteger(window) || window < 2) throw new RangeError('The window must be an integer of at least 2.');
    this.newer = new HashSet64(window / 2);
  }

  /** True when the id of this hash may have been added (always, if among the last `window`). */
  mightHave(high: number, low: number): boolean {
    return this.newer.has(high, low) || (this.older?.has(high, low) ?? false);
  }

  /**
   * Adds the hash; true when its id may have been added already (as mightHave would have said):
   * one look-up in the newer generation, which is a cache miss or two in a table of megabytes.
   */
  add(high: number, low: number): boolean {
    if (this.newer.full) {
      this.older = this.newer;
      // The first generation grows as a table's ids come; later ones are known to fill up.
      this.newer = new HashSet64(this.window / 2, true);
    }
    return !this.newer.add(high, low) || (this.older?.has(high, low) ?? false);
  }
}
