// ort_feeds.js builds synthetic inputs for an ONNX Runtime session of a step
// program saved by `pelab bench -save-program` (bench/ort_profile.js,
// bench/ort_time.js): floats ~ U(-0.05, 0.05) (1 where the input is a single
// number: the step's scalar bias corrections and learning rate must not be
// 0), int32 indices i mod 128, booleans true. The time per operator does not
// depend on the values for dense tensors.
'use strict';

// feedsFor returns { inputName: ort.Tensor } for every input of session s.
function feedsFor(ort, s) {
  const feeds = {};
  for (const m of s.inputMetadata) {
    const dims = m.shape.map(Number);
    const n = dims.reduce((a, b) => a * b, 1);
    let data;
    switch (m.type) {
      case 'float32': data = Float32Array.from({ length: n }, () => (Math.random() - 0.5) * 0.1); if (n === 1) data[0] = 1; break;
      case 'int32': data = Int32Array.from({ length: n }, (_, i) => i % 128); break;
      case 'bool': data = new Uint8Array(n).fill(1); break;
      default: throw new Error(`input ${m.name}: type ${m.type} not handled`);
    }
    feeds[m.name] = new ort.Tensor(m.type, data, dims);
  }
  return feeds;
}

module.exports = { feedsFor };
