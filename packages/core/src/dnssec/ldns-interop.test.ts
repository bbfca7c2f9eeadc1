// Cross-implementation checks with ldns (Debian package ldnsutils; CI installs it):
//   (a) a zone signed by ldns-signzone with ldns-keygen keys verifies with KTO (both back ends), and
//       KTO reads ldns-keygen's private key files and computes the key tags ldns put in the file names;
//   (b) a zone signed by KTO (its keys, its NSEC chain, its signatures, written as a zone file)
//       passes ldns-verify-zone, and stops passing after one flipped bit or past its expiration.
// Algorithms 8, 10, 13, 14, 15, 16. A missing tool fails the test with the package to install.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyTag } from '../keytag.js';
import { parseZoneText } from '../zone-text.js';
import { parseTime, zoneSignatures } from '../../test-support/rrsig-checks.js';
import { recordText, signZone } from '../../test-support/zone-writer.js';
import type { ZoneRr } from '../../test-support/zone-writer.js';
import { SIGNING_ALGORITHMS } from './algorithms.js';
import { nobleBackend } from './noble-backend.js';
import { readBindPrivateKey } from './node-bind-private-key.js';
import { nodeBackend } from './node-backend.js';
import { dnskeyFromKeyObject, generateDnssecKey } from './node-keys.js';
import { findRrsigSignersWith } from './verify.js';

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs an ldnsutils tool; a missing binary is an error that names the package, never a skip. */
function tool(cmd: string, args: string[], cwd: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) {
        resolve({ code: 0, stdout, stderr });
      } else if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${cmd} is not installed: install the Debian package ldnsutils (apt-get install ldnsutils)`));
      } else if (typeof err.code === 'number') {
        resolve({ code: err.code, stdout, stderr });
      } else {
        reject(err);
      }
    });
  });
}

const work = mkdtempSync(join(tmpdir(), 'kto-ldns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const APEX = 'example.test.';
const INCEPTION = '20240101000000';
const EXPIRATION = '20240301000000';
const NOW = parseTime('20240201000000');

const UNSIGNED = `$ORIGIN example.test.
$TTL 3600
@        IN SOA  ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300
@        IN NS   ns1.example.test.
@        IN NS   ns2.example.test.
@        IN MX   10 mail.example.test.
ns1      IN A    192.0.2.1
ns2      IN AAAA 2001:db8::2
mail     IN A    192.0.2.25
www      IN A    192.0.2.80
www      IN A    192.0.2.81
txt      IN TXT  "v=spf1 -all" "a \\"quoted\\" string"
*.wild   IN TXT  "wildcard"
sub      IN NS   ns.sub.example.test.
sub      IN DS   12345 13 2 8bd8b2ecb5d4d7a9b1b9a1bd6c5e9c0f3a9f9d1e2c3b4a5968778695a4b3c2d1
ns.sub   IN A    192.0.2.53
`;

const LDNS_NAMES: Record<number, string> = { 8: 'RSASHA256', 10: 'RSASHA512', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519', 16: 'ED448' };

it('a missing ldns tool is an error that names the Debian package', async () => {
  await expect(tool('ldns-kto-no-such-tool', [], work)).rejects.toThrow('ldns-kto-no-such-tool is not installed: install the Debian package ldnsutils');
});

describe.each(SIGNING_ALGORITHMS.map((a) => [a] as const))('algorithm %i', (algorithm) => {
  it('(a) a zone signed by ldns-signzone verifies with KTO; ldns key files read back to the same DNSKEYs and tags', async () => {
    const dir = mkdtempSync(join(work, `ldns-${algorithm}-`));
    const rsa = algorithm === 8 || algorithm === 10 ? ['-b', '2048'] : [];
    const ksk = (await tool('ldns-keygen', ['-a', LDNS_NAMES[algorithm] as string, ...rsa, '-k', APEX], dir)).stdout.trim();
    const zsk = (await tool('ldns-keygen', ['-a', LDNS_NAMES[algorithm] as string, ...rsa, APEX], dir)).stdout.trim();
    for (const base of [ksk, zsk]) {
      const m = /^Kexample\.test\.\+(\d{3})\+(\d{5})$/.exec(base);
      expect(m, base).not.toBeNull();
      const dnskey = parseZoneText(readFileSync(join(dir, `${base}.key`), 'utf8'), { defaultTtl: 3600 }).records.find((r) => r.type === 48) as ZoneRr;
      expect(Number(m?.[1])).toBe(algorithm);
      expect(keyTag(dnskey.rdata)).toBe(Number(m?.[2]));
      const priv = readBindPrivateKey(readFileSync(join(dir, `${base}.private`), 'utf8'));
      const flags = ((dnskey.rdata[0] as number) << 8) | (dnskey.rdata[1] as number);
      expect(dnskeyFromKeyObject(priv.algorithm, priv.publicKey, flags)).toEqual(dnskey.rdata);
    }
    writeFileSync(join(dir, 'zone'), UNSIGNED);
    const signedRun = await tool('ldns-signzone', ['-i', INCEPTION, '-e', EXPIRATION, '-f', 'zone.signed', 'zone', ksk, zsk], dir);
    expect(signedRun.code, signedRun.stderr).toBe(0);
    const signed = parseZoneText(readFileSync(join(dir, 'zone.signed'), 'utf8')).records;
    const sigs = zoneSignatures(signed);
    // SOA, NS, MX, DNSKEY at the apex; A/AAAA/TXT below; the DS of sub; an NSEC per name
    expect(sigs.length).toBeGreaterThanOrEqual(18);
    const kskTag = Number(ksk.slice(-5));
    for (const backend of [nodeBackend, nobleBackend]) {
      for (const s of sigs) {
        expect(s.sig.algorithm).toBe(algorithm);
        const dnskeys = s.dnskeys.map((k) => k.rdata);
        const [r] = findRrsigSignersWith(backend, { rrset: s.rrset, rrsigs: [s.rrsig.rdata], dnskeys, keyOwner: APEX, now: NOW });
        expect(r?.status, `${backend.name}: ${s.rrsig.name} RRSIG ${s.sig.typeCovered}`).toBe('valid');
        if (s.sig.typeCovered === 48) expect(keyTag(dnskeys[r?.key as number] as Uint8Array)).toBe(kskTag);
        const flipped = s.rrsig.rdata.slice();
        flipped[flipped.length - 5] = (flipped[flipped.length - 5] as number) ^ 0x10;
        const [f] = findRrsigSignersWith(backend, { rrset: s.rrset, rrsigs: [flipped], dnskeys, keyOwner: APEX, now: NOW });
        expect(f?.status).toBe('invalid');
      }
      expect(sigs.some((s) => s.rrsig.name === 'a.wild.example.test.' || s.rrsig.name === '*.wild.example.test.')).toBe(true);
    }
  }, 60_000);

  it('(b) a zone signed by KTO passes ldns-verify-zone, and fails after a flipped bit or past expiration', async () => {
    const dir = mkdtempSync(join(work, `kto-${algorithm}-`));
    const ksk = generateDnssecKey({ algorithm, flags: 257 });
    const zsk = generateDnssecKey({ algorithm });
    const records = parseZoneText(UNSIGNED).records;
    const signed = signZone(records, APEX, [ksk], [zsk], parseTime(INCEPTION), parseTime(EXPIRATION));
    const text = signed.map(recordText).join('\n') + '\n';
    // what we write reads back as the same records
    expect(parseZoneText(text).records.map((r) => recordText(r))).toEqual(signed.map(recordText));
    writeFileSync(join(dir, 'zone.signed'), text);
    const ok = await tool('ldns-verify-zone', ['-t', '20240201000000', 'zone.signed'], dir);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toContain('Zone is verified and complete');

    const late = await tool('ldns-verify-zone', ['-t', '20240302000000', 'zone.signed'], dir);
    expect(late.code).not.toBe(0);
    expect(late.stdout + late.stderr).toMatch(/signature has expired/);

    const i = signed.findIndex((r) => r.type === 46 && r.name === 'www.example.test.' && r.rdata[1] === 1);
    const bad = signed.slice();
    const rdata = (bad[i] as ZoneRr).rdata.slice();
    rdata[rdata.length - 3] = (rdata[rdata.length - 3] as number) ^ 0x01;
    bad[i] = { ...(bad[i] as ZoneRr), rdata };
    writeFileSync(join(dir, 'zone.bad'), bad.map(recordText).join('\n') + '\n');
    const broken = await tool('ldns-verify-zone', ['-t', '20240201000000', 'zone.bad'], dir);
    expect(broken.code).not.toBe(0);
    expect(broken.stdout + broken.stderr).toMatch(/www\.example\.test\.\s+A/);
    expect(readdirSync(dir).sort()).toEqual(['zone.bad', 'zone.signed']);
  }, 60_000);
});
