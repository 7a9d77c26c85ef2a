// ort_time.js times ONNX models saved by `pelab bench -save-program` side by
// side in ONNX Runtime (Node.js binding, onnxruntime-node), interleaved so
// that a noisy machine slows every model alike, and prints the least and the
// median wall time per run of each. Use it to compare two versions of a step
// program, or one program at several thread counts.
//
// Usage: node bench/ort_time.js [--threads N[,N…]] [--rounds R] [--runs K] A.onnx [B.onnx …]
//   --threads  intra-op threads, one session per model and count (default:
//              every CPU; 0 is ONNX Runtime's own default)
//   --rounds   rounds over all sessions (default 10); --runs: runs of each
//              session per round (default 3); one untimed run first.
// Inputs are synthetic (bench/ort_feeds.js). scripts/ort-profile.sh installs the binding
// into .tools/ort-node/<version>/node_modules (NODE_PATH).
'use strict';
const ort = require('onnxruntime-node');
const { feedsFor } = require('./ort_feeds');
const fs = require('fs');
const os = require('os');

function parse(argv) {
  const o = { threads: [os.cpus().length], rounds: 10, runs: 3, models: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: want a whole number, got ${argv[i]}`);
      return v;
    };
    if (a === '--threads') o.threads = String(argv[++i]).split(',').map((x) => {
      const v = Number(x);
      if (!Number.isInteger(v) || v < 0) throw new Error(`--threads: want whole numbers, got ${x}`);
      return v;
    });
    else if (a === '--rounds') o.rounds = num('--rounds');
    else if (a === '--runs') o.runs = num('--runs');
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else o.models.push(a);
  }
  if (o.models.length === 0) throw new Error('usage: node bench/ort_time.js [--threads N[,N…]] [--rounds R] [--runs K] A.onnx [B.onnx …]');
  for (const m of o.models) if (!fs.existsSync(m)) throw new Error(`${m}: no such file (write one with pelab bench -save-program ${m})`);
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
  const cases = [];
  for (const model of o.models) for (const threads of o.threads) {
    const s = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
    const feeds = feedsFor(ort, s);
    await s.run(feeds); // warm-up
    cases.push({ model, threads, s, feeds, ms: [] });
  }
  for (let r = 0; r < o.rounds; r++) for (const c of cases) for (let k = 0; k < o.runs; k++) {
    const t0 = process.hrtime.bigint();
    await c.s.run(c.feeds);
    c.ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`${os.cpus().length} CPUs; ${o.rounds} rounds × ${o.runs} runs per session, interleaved; ms per run`);
  for (const c of cases) {
    const s = c.ms.slice().sort((a, b) => a - b);
    console.log(`${c.model}  threads ${c.threads}  least ${s[0].toFixed(1)}  median ${s[s.length >> 1].toFixed(1)}  (n ${s.length})`);
  }
  for (const c of cases) await c.s.release();
}

main().catch((e) => { console.error(`ort_time: ${e.message}`); process.exit(2); });
