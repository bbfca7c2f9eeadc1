import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enroll } from './enroll.js';
import { formatStateStatus, readStateStatus } from './status.js';
import { batchFileName } from './spool.js';
import { FakeCollector } from './testing/fake-collector.js';

const root = mkdtempSync(join(tmpdir(), 'kto-agent-status-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('kto-agent status', () => {
  it('reports an empty state directory', async () => {
    const s = await readStateStatus(join(root, 'none'));
    expect(s).toMatchObject({ publicKey: undefined, agentId: undefined, lastSeq: 0, lastAckedSeq: 0, spool: { batches: 0, bytes: 0 } });
    expect(formatStateStatus(s)).toMatch(/agent id: +not enrolled/);
  });

  it('reports identity, agent id, spool size and last acked seq', async () => {
    const c = await FakeCollector.start({ tokens: ['t'] });
    const dir = join(root, 'enrolled');
    try {
      const r = await enroll({ collector: c.url, token: 't', country: 'SE', continent: 'EU', asn: 1257, stateDir: dir });
      mkdirSync(join(dir, 'spool', 'rejected'), { recursive: true });
      writeFileSync(join(dir, 'spool', batchFileName(7)), new Uint8Array(100));
      writeFileSync(join(dir, 'spool', batchFileName(9)), new Uint8Array(50));
      writeFileSync(join(dir, 'spool', 'rejected', batchFileName(3)), new Uint8Array(5));
      writeFileSync(join(dir, 'seq'), '9\n');
      writeFileSync(join(dir, 'last-acked-seq'), '6\n');
      const s = await readStateStatus(dir);
      expect(s).toMatchObject({
        agentId: r.enrolment.agentId, publicKey: r.enrolment.publicKey, collector: c.url, lastSeq: 9, lastAckedSeq: 6,
        location: { country: 'SE', continent: 'EU', asn: 1257 },
        spool: { batches: 2, bytes: 150, firstSeq: 7, lastSeq: 9, rejected: 1 },
      });
      const text = formatStateStatus(s);
      expect(text).toContain(r.enrolment.agentId);
      expect(text).toMatch(/spool: +2 batches, 150 bytes \(seq 7\.\.9\)/);
      expect(text).toMatch(/last acked seq: +6/);
    } finally {
      await c.close();
    }
  });
});
