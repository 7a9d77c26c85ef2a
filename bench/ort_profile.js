// ort_profile.js runs an ONNX model saved by `pelab bench -save-program` in
// ONNX Runtime (Node.js binding, onnxruntime-node) with its profiler on, and
// prints where the time goes: per operator type, and per operator and shapes.
//
// Usage: node bench/ort_profile.js MODEL.onnx [RUNS] [TOP]
// (scripts/ort-profile.sh installs the binding and runs this.)
//
// Inputs are synthetic (bench/ort_feeds.js): the time per operator does not
// depend on the values for dense tensors.
//
// Environment: ORT_THREADS (intra-op threads; default: every CPU, as
// pelab's ONNX Runtime session has), ORT_OPT (graph optimisation level:
// disabled, basic, extended, all; default all, as pelab's session has).
'use strict';
const ort = require('onnxruntime-node');
const { feedsFor } = require('./ort_feeds');
const fs = require('fs');
const path = require('path');
const os = require('os');

async function main() {
  const [model, runsArg, topArg] = process.argv.slice(2);
  if (!model) {
    console.error('usage: node bench/ort_profile.js MODEL.onnx [RUNS] [TOP]');
    process.exit(2);
  }
  if (!fs.existsSync(model)) {
    console.error(`ort_profile: ${model}: no such file (write one with pelab bench -save-program ${model})`);
    process.exit(2);
  }
  const runs = Number(runsArg || 5), top = Number(topArg || 25);
  const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ortprof-')), 'profile');
  const s = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(process.env.ORT_THREADS || os.cpus().length),
    graphOptimizationLevel: process.env.ORT_OPT || 'all',
    enableProfiling: true, profileFilePrefix: prefix,
  });
  const feeds = feedsFor(ort, s);
  await s.run(feeds); // warm-up, not counted below
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) await s.run(feeds);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
  const cu = process.cpuUsage(c0), cpu = (cu.user + cu.system) / 1e3 / runs;
  await s.release(); // flushes the profile
  const dir = path.dirname(prefix);
  const file = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => f.endsWith('.json'));
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byOp = new Map(), byShape = new Map();
  let nRuns = 0;
  const add = (m, k, d) => { const e = m.get(k) || { us: 0, n: 0 }; e.us += d; e.n++; m.set(k, e); };
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') nRuns++;
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const a = e.args, shapes = (a.input_type_shape || []).map((x) => Object.values(x)[0]);
    add(byOp, a.op_name, e.dur);
    add(byShape, `${a.op_name} ${JSON.stringify(shapes)}`, e.dur);
  }
  // The warm-up run is in the profile too.
  const total = [...byOp.values()].reduce((a, e) => a + e.us, 0);
  console.log(`${model}: intra-op threads ${process.env.ORT_THREADS || os.cpus().length}, graph optimisation ${process.env.ORT_OPT || 'all'}`);
  console.log(`${model}: ${runs} runs, ${wall.toFixed(1)} ms per run (wall), ${cpu.toFixed(1)} ms CPU time per run (all threads; with ORT_THREADS=1 the least sensitive to other load); operator time ${(total / nRuns / 1e3).toFixed(1)} ms per run (${nRuns} runs profiled)`);
  const table = (m, title) => {
    console.log(`\n${title}`);
    console.log(`${'ms/run'.padStart(8)} ${'share'.padStart(6)} ${'n/run'.padStart(6)}  operator`);
    for (const [k, e] of [...m.entries()].sort((x, y) => y[1].us - x[1].us).slice(0, top)) {
      console.log(`${(e.us / nRuns / 1e3).toFixed(1).padStart(8)} ${(100 * e.us / total).toFixed(1).padStart(5)}% ${String(Math.round(e.n / nRuns)).padStart(6)}  ${k}`);
    }
  };
  table(byOp, 'by operator type');
  table(byShape, 'by operator and input shapes');
  fs.rmSync(dir, { recursive: true, force: true });
}
main().catch((e) => { console.error(`ort_profile: ${e.message}`); process.exit(1); });
