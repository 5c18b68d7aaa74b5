#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node (CPU) on raw float32 tensors written by Python, so the
// Python evaluation scripts measure the exact bundled .onnx files with the runtime the app uses.
//
// onnxruntime-node is not a dependency of this repository's training side; install it in a scratch
// directory and point NODE_PATH at it (see training/README.md):
//   NODE_PATH=/tmp/ortcheck/node_modules node training/ort_run.js job.json
//
// job.json:
//   { "model": "path.onnx", "threads": 2,
//     "inputs": [ { "file": "x0.bin", "shape": [1,3,320,320] }, ... ],   // raw little-endian float32
//     "outDir": "dir",                    // writes <i>.bin (first output) and index.json
//     "bench": { "warmup": 10, "runs": 50 } }   // optional: time the first input, median ms
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

async function main() {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const threads = job.threads || 2;
  const session = await ort.InferenceSession.create(job.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  const index = { inputName: inName, outputName: outName, outputs: [] };
  const load = (inp) => {
    const buf = fs.readFileSync(inp.file);
    const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    return new ort.Tensor('float32', Float32Array.from(data), inp.shape);
  };
  if (job.outDir) fs.mkdirSync(job.outDir, { recursive: true });
  for (let i = 0; i < job.inputs.length; i++) {
    const t = load(job.inputs[i]);
    const t0 = process.hrtime.bigint();
    const res = await session.run({ [inName]: t });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const o = res[outName];
    if (job.outDir) {
      const f = path.join(job.outDir, `${i}.bin`);
      fs.writeFileSync(f, Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength));
      index.outputs.push({ file: f, shape: o.dims, ms });
    }
  }
  if (job.bench) {
    const t = load(job.inputs[0]);
    for (let i = 0; i < (job.bench.warmup || 10); i++) await session.run({ [inName]: t });
    const times = [];
    for (let i = 0; i < (job.bench.runs || 50); i++) {
      const t0 = process.hrtime.bigint();
      await session.run({ [inName]: t });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    index.bench = {
      threads, runs: times.length, median_ms: times[Math.floor(times.length / 2)],
      min_ms: times[0], max_ms: times[times.length - 1], ort: ort.env.versions,
    };
  }
  const out = JSON.stringify(index, null, 1);
  if (job.outDir) fs.writeFileSync(path.join(job.outDir, 'index.json'), out);
  process.stdout.write(out + '\n');
}

main().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
