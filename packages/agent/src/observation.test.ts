import { Observation, type IObservation } from '@kto/proto';
import { describe, expect, it } from 'vitest';
import { fitObservation, OBSERVATION_LIMITS, truncateUtf8 } from './observation.js';

describe('truncateUtf8', () => {
  it('cuts at a byte limit without splitting a character', () => {
    expect(truncateUtf8('abc', 255)).toBe('abc');
    expect(truncateUtf8('a'.repeat(300), 255)).toHaveLength(255);
    const s = 'é'.repeat(200); // 2 bytes each
    const t = truncateUtf8(s, 255);
    expect(Buffer.byteLength(t)).toBe(254);
    expect(t).toBe('é'.repeat(127));
    expect(truncateUtf8('€€€', 7)).toBe('€€'); // 3-byte characters
  });
});

describe('fitObservation', () => {
  it('brings an observation within the collector\'s limits and leaves raw alone', () => {
    const raw = new Uint8Array(1500).fill(1);
    const o: IObservation = {
      zone: 'example.', qname: 'example.', qtype: 48, raw,
      answer: Array.from({ length: 1200 }, (_, i) => ({ name: 'example.', type: 48, ttl: i })),
      rrsigs: [
        { name: 'example.', signer: 'example.', keyTag: 1 },
        { name: `${'a'.repeat(63)}.`.repeat(5), signer: 'example.', keyTag: 2 }, // 320 bytes: over 255
      ],
      ede: [{ code: 6, text: 'x'.repeat(400) }],
      error: 'e'.repeat(2000),
    };
    fitObservation(o);
    expect(o.answer).toHaveLength(OBSERVATION_LIMITS.answerRecords);
    expect(o.rrsigs!.map((r) => r.keyTag)).toEqual([1]);
    expect(o.ede![0]!.text).toHaveLength(255);
    expect(o.error).toHaveLength(1024);
    expect(o.raw).toBe(raw);
    // and it still encodes
    expect(Observation.decode(Observation.encode(o).finish()).answer).toHaveLength(1000);
  });
});
