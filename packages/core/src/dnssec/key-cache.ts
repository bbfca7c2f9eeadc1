// A bounded cache of imported public keys, looked up by algorithm and public key octets. Importing
// a DNSKEY for every verification halves node:crypto's rate for RSA and ECDSA (bench/core-verify.mjs),
// and a zone's few keys sign thousands of RRsets, so each back end imports a DNSKEY once.
//
// Lookup hashes the key octets (FNV-1a, 32 bits) and compares them in full on a hash hit: no
// string is built per lookup and a collision can never return another key's handle.

interface Entry<K> {
  algorithm: number;
  key: Uint8Array;
  handle: K;
}

export class KeyCache<K> {
  private readonly buckets = new Map<number, Entry<K>[]>();
  private readonly order: number[] = [];
  private count = 0;

  /** `load` imports a key on a miss; at most `capacity` keys are kept, past that the oldest bucket is dropped. */
  constructor(private readonly load: (algorithm: number, key: Uint8Array) => K, private readonly capacity = 1024) {}

  get size(): number {
    return this.count;
  }

  /** The handle for (algorithm, key), importing it on a miss. Errors from `load` are not cached. */
  get(algorithm: number, key: Uint8Array): K {
    let h = (0x811c9dc5 ^ algorithm) >>> 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ (key[i] as number), 0x01000193);
    h >>>= 0;
    const bucket = this.buckets.get(h);
    if (bucket !== undefined) {
      for (const e of bucket) if (e.algorithm === algorithm && sameBytes(e.key, key)) return e.handle;
    }
    const handle = this.load(algorithm, key);
    const entry: Entry<K> = { algorithm, key: key.slice(), handle };
    if (bucket === undefined) {
      this.buckets.set(h, [entry]);
      this.order.push(h);
    } else {
      bucket.push(entry);
    }
    this.count++;
    while (this.count > this.capacity && this.order.length > 0) {
      const oldest = this.order.shift() as number;
      this.count -= this.buckets.get(oldest)?.length ?? 0;
      this.buckets.delete(oldest);
    }
    return handle;
  }

  clear(): void {
    this.buckets.clear();
    this.order.length = 0;
    this.count = 0;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
