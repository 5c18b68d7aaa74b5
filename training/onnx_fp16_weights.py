#!/usr/bin/env python3
"""Store an ONNX model's float32 weights as float16 to halve the file, keeping float32 compute.

Every float32 initializer with at least --min-elements values is replaced by a float16 copy plus a
``Cast(to=FLOAT)`` node that recreates the original tensor name, so the graph, its inputs and its
outputs are unchanged (float32). ONNX Runtime constant-folds the casts when the session is created,
so inference runs in float32 exactly as before, with weights rounded to float16. The bundled models'
quality numbers are measured on these converted files.

    /usr/bin/python3 training/onnx_fp16_weights.py in.onnx out.onnx
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def convert(model: onnx.ModelProto, min_elements=16) -> onnx.ModelProto:
    g = model.graph
    input_names = {i.name for i in g.input}
    new_inits, casts = [], []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or init.name in input_names:
            new_inits.append(init)
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements or np.abs(arr).max(initial=0) > 60000:
            new_inits.append(init)
            continue
        h = numpy_helper.from_array(arr.astype(np.float16), init.name + "__fp16")
        new_inits.append(h)
        casts.append(helper.make_node("Cast", [h.name], [init.name], to=TensorProto.FLOAT, name=init.name + "__cast"))
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--min-elements", type=int, default=16)
    a = ap.parse_args()
    m = convert(onnx.load(a.src), a.min_elements)
    onnx.save(m, a.dst)
    print(f"wrote {a.dst}", file=sys.stderr)


if __name__ == "__main__":
    main()
