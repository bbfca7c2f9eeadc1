import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchBody, CollectorMessage, helloSigningInput } from './index.js';

const root = resolve(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'kto-proto-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('generated protobuf code', () => {
  it('matches what scripts/gen-proto.mjs makes from proto/ (no drift)', () => {
    execFileSync(process.execPath, [join(root, 'scripts/gen-proto.mjs'), '--out', out], { stdio: 'pipe' });
    for (const f of ['kto.js', 'kto.d.ts']) {
      const committed = readFileSync(join(root, 'packages/proto/gen', f), 'utf8');
      const fresh = readFileSync(join(out, f), 'utf8');
      expect(fresh, `packages/proto/gen/${f} is stale: run npm run gen:proto`).toBe(committed);
    }
  }, 60_000);

  it('round-trips a batch with 64-bit fields as plain numbers', () => {
    const created = Date.UTC(2026, 10, 28, 12, 0, 0, 123);
    const bytes = BatchBody.encode({
      agentId: 'agent-1', seq: 2 ** 40 + 7, createdAtMs: created,
      observations: [{ zone: 'example.', qtype: 48, sentAtMs: created, raw: new Uint8Array([0xde, 0xad]) }],
    }).finish();
    const back = BatchBody.decode(bytes);
    expect(back.seq).toBe(2 ** 40 + 7);
    expect(back.createdAtMs).toBe(created);
    expect(back.observations[0]?.sentAtMs).toBe(created);
    expect(Array.from(back.observations[0]?.raw ?? [])).toEqual([0xde, 0xad]);
  });

  it('carries one control message per oneof', () => {
    const bytes = CollectorMessage.encode({ ack: { agentId: 'a', seq: 3, status: 1, rows: 10 } }).finish();
    const msg = CollectorMessage.decode(bytes);
    expect(msg.msg).toBe('ack');
    expect(msg.ack?.seq).toBe(3);
    expect(new TextDecoder().decode(helloSigningInput('a', 5))).toBe('kto-hello-v1\na\n5');
  });
});
