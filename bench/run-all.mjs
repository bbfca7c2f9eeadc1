#!/usr/bin/env node
// Runs every benchmark in bench/ (each *.mjs but this one, in name order) one after another and
// prints the JSON line each one produced, as it finishes. A benchmark that fails (exit status, no
// JSON line, or over the time limit) gets a line {"bench": name, "error": ...} and the others still
// run; the exit status is then 1. Each benchmark's stderr passes through. `npm run bench` builds
// first and then runs this.
//
//   node bench/run-all.mjs [name ...]        e.g. node bench/run-all.mjs core-decode store-insert
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const SELF = basename(fileURLToPath(import.meta.url));
/** Longest a single benchmark may run (they aim at about a minute). */
const LIMIT_MS = 5 * 60_000;

const all = readdirSync(BENCH_DIR).filter((f) => f.endsWith('.mjs') && f !== SELF).sort();
const wanted = process.argv.slice(2).map((n) => n.replace(/\.mjs$/, ''));
for (const n of wanted) {
  if (!all.includes(`${n}.mjs`)) {
    console.error(`bench/run-all: no benchmark ${n} (have: ${all.map((f) => f.replace(/\.mjs$/, '')).join(', ')})`);
    process.exit(2);
  }
}
const files = wanted.length === 0 ? all : all.filter((f) => wanted.includes(f.replace(/\.mjs$/, '')));

let failed = 0;
for (const file of files) {
  const name = file.replace(/\.mjs$/, '');
  const line = await runOne(file).catch((err) => {
    failed++;
    return JSON.stringify({ bench: name, error: err.message });
  });
  console.log(line);
}
process.exitCode = failed > 0 ? 1 : 0;

/** Runs one benchmark; resolves with its JSON line (the last stdout line that parses as an object). */
function runOne(file) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(BENCH_DIR, file)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timedOut = false;
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, 15_000).unref();
    }, LIMIT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      if (timedOut) return reject(new Error(`stopped after ${LIMIT_MS / 1000} s`));
      if (code !== 0) return reject(new Error(`exited with ${code ?? signal} after ${seconds} s`));
      const json = out.split('\n').reverse().find((l) => {
        try {
          const v = JSON.parse(l);
          return v !== null && typeof v === 'object' && !Array.isArray(v);
        } catch {
          return false;
        }
      });
      if (json === undefined) return reject(new Error(`no JSON line on stdout after ${seconds} s`));
      resolve(json);
    });
  });
}
