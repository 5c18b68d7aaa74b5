#!/usr/bin/env python3
"""Loupe's PyTorch -> ONNX exporter. Runs in the user's own Python; needs only torch.

Loupe (the engine) starts this script in its own process and talks to it through files:

    python loupe_export.py probe
        prints one JSON object: the Python and the versions of torch, mlflow, onnx, cloudpickle
    python loupe_export.py export REQUEST.json
        loads the model the request names, finds the size multiple it needs (unless given),
        exports it to ONNX (dynamic batch/height/width, opset <= 17, eval mode, float32), runs
        torch on the request's sample frame and writes, into request["out_dir"]:
            model.onnx, padded_input.bin, torch_output.bin (float32, C order), result.json
        Loupe then runs its own ONNX Runtime session on padded_input.bin and compares.

How a model is loaded:
    mlflow-pytorch  an MLflow model folder with the pytorch flavor: mlflow.pytorch.load_model
                    when mlflow is importable, else torch.load of data/model.pth with the pickle
                    module the model was saved with (cloudpickle or pickle when that module is
                    mlflow's own) and the model's code/ folder on sys.path
    torchscript     torch.jit.load
    torch-file      torch.load: a whole pickled model, or a checkpoint dict holding a state dict
                    (model_state_dict / state_dict / model / net), or a bare state dict; a state
                    dict goes into the module the user's factory builds:
                        factory(architecture=..., model_config=..., checkpoint=...) -> nn.Module
                    (only the parameters the factory declares are passed)

Loading a pickle runs code from the file: point Loupe only at models you trust.
The result (success or failure) is always written to result.json; the exit status is 0 on success.
"""
import importlib
import inspect
import io
import json
import os
import sys
import threading
import time
import traceback
import warnings
import zipfile

EXPORTER_VERSION = 1
MAX_OPSET = 17
PROBE_MULTIPLES = (1, 2, 4, 8, 16, 32, 64)
STATE_DICT_KEYS = ("model_state_dict", "state_dict", "model", "net", "network", "generator")


class ExportError(Exception):
    """A failure with the stage it happened in (import, load, factory, probe, export, forward)."""

    def __init__(self, stage, message):
        super().__init__(message)
        self.stage = stage


def versions():
    out = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "exporter_version": EXPORTER_VERSION,
    }
    for name in ("torch", "mlflow", "onnx", "cloudpickle", "numpy"):
        try:
            mod = importlib.import_module(name)
            out[name] = str(getattr(mod, "__version__", "unknown"))
        except Exception as e:  # not installed, or broken
            out[name] = None
            if name == "torch":
                out["torch_error"] = "%s: %s" % (type(e).__name__, e)
    return out


def watch_parent(parent_pid):
    """Exit when the process that started us is gone (Loupe was killed): no orphaned exports."""

    def loop():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(3)

    if parent_pid:
        threading.Thread(target=loop, daemon=True).start()


def is_torchscript(path):
    """TorchScript archives hold constants.pkl and a code/ folder; torch.save archives do not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


def torch_load(torch, path, pickle_module=None):
    kwargs = {"map_location": "cpu"}
    params = inspect.signature(torch.load).parameters
    if "weights_only" in params:
        kwargs["weights_only"] = False  # a whole pickled model or a checkpoint with config objects
    if pickle_module is not None:
        kwargs["pickle_module"] = pickle_module
    return torch.load(path, **kwargs)


def pickle_module_named(name):
    """The module a model was pickled with; mlflow's own is cloudpickle under another name."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    if name.startswith("mlflow"):
        try:
            return importlib.import_module("cloudpickle")
        except ImportError:
            import pickle

            return pickle
    raise ExportError("load", "the model was pickled with %s, which this Python cannot import" % name)


def load_mlflow_model(torch, source, notes):
    model_dir = source["model_dir"]
    code = source.get("code")
    if code:
        code_dir = os.path.join(model_dir, code)
        sys.path.insert(0, code_dir)
        notes.append("added the model's %s/ folder to sys.path" % code)
    try:
        import mlflow.pytorch  # noqa: F401

        have_mlflow = True
    except Exception:
        have_mlflow = False
    if have_mlflow:
        os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
        notes.append("loaded with mlflow.pytorch.load_model")
        return mlflow.pytorch.load_model(model_dir, map_location="cpu"), "mlflow.pytorch.load_model"
    data = os.path.join(model_dir, source.get("model_data") or "data")
    pth = os.path.join(data, "model.pth")
    if not os.path.exists(pth):
        if os.path.exists(os.path.join(data, "model.pt2")):
            if not hasattr(torch, "export"):
                raise ExportError("load", "the model was saved with torch.export (model.pt2), which needs torch >= 2.4")
            return torch.export.load(os.path.join(data, "model.pt2")).module(), "torch.export.load"
        raise ExportError("load", "the MLflow model has no %s" % os.path.relpath(pth, model_dir))
    if is_torchscript(pth):
        return torch.jit.load(pth, map_location="cpu"), "torch.jit.load"
    info = os.path.join(data, "pickle_module_info.txt")
    name = source.get("pickle_module")
    if os.path.exists(info):
        with open(info) as f:
            name = f.read().strip() or name
    module = pickle_module_named(name) if name else None
    if module is not None and name and module.__name__ != name:
        notes.append("mlflow is not installed here: unpickled %s with %s" % (name, module.__name__))
    return torch_load(torch, pth, module), "torch.load"


def find_state_dict(torch, obj):
    """The state dict inside a checkpoint: (state_dict, key) or (None, None)."""
    def is_state_dict(d):
        return isinstance(d, dict) and d and all(isinstance(v, torch.Tensor) for v in d.values())

    if is_state_dict(obj):
        return obj, None
    if isinstance(obj, dict):
        for key in STATE_DICT_KEYS:
            if is_state_dict(obj.get(key)):
                return obj[key], key
    return None, None


def call_factory(spec, architecture, model_config, checkpoint):
    if ":" not in spec:
        raise ExportError("factory", "the model factory must be module:function, not %r" % spec)
    module_name, func_name = spec.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except Exception as e:
        raise ExportError("factory", "cannot import %s for the model factory: %s: %s" % (module_name, type(e).__name__, e))
    factory = getattr(module, func_name, None)
    if factory is None:
        raise ExportError("factory", "%s has no function %s" % (module_name, func_name))
    offered = {"architecture": architecture, "model_config": model_config, "checkpoint": checkpoint}
    params = inspect.signature(factory).parameters
    takes_all = any(p.kind == p.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in offered.items() if takes_all or k in params}
    return factory(**kwargs)


def load_torch_file(torch, source, request, notes):
    path = source["path"]
    if is_torchscript(path):
        return torch.jit.load(path, map_location="cpu"), "torch.jit.load"
    obj = torch_load(torch, path)
    if isinstance(obj, torch.nn.Module):
        return obj, "torch.load (whole model)"
    if isinstance(obj, dict):
        for key in STATE_DICT_KEYS:
            if isinstance(obj.get(key), torch.nn.Module):
                return obj[key], "torch.load (model under %r)" % key
    state, key = find_state_dict(torch, obj)
    if state is None:
        kind = type(obj).__name__
        keys = ", ".join(sorted(map(str, obj.keys()))[:12]) if isinstance(obj, dict) else ""
        raise ExportError("load", "%s holds a %s%s, neither a model nor a state dict" % (
            os.path.basename(path), kind, " with keys " + keys if keys else ""))
    checkpoint = obj if isinstance(obj, dict) and key else {"state_dict": state}
    params = request.get("run_params") or {}
    architecture = checkpoint.get("architecture") or params.get("architecture")
    model_config = checkpoint.get("model_config")
    if model_config is None:
        model_config = checkpoint.get("config")
    factory = request.get("model_factory")
    if not factory:
        keys = ", ".join(sorted(map(str, checkpoint.keys()))[:12])
        raise ExportError("factory", "%s is a state-dict checkpoint (%s%s): Loupe needs a model factory "
                          "(module:function) to build the network" % (
                              os.path.basename(path), keys,
                              ", architecture %s" % architecture if architecture else ""))
    model = call_factory(factory, architecture, model_config, checkpoint)
    if not isinstance(model, torch.nn.Module):
        raise ExportError("factory", "the model factory %s returned %s, not a torch.nn.Module" % (factory, type(model).__name__))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        stripped = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
        try:
            model.load_state_dict(stripped, strict=True)
            notes.append("removed the module. prefix (DataParallel) from the state dict keys")
        except RuntimeError as e:
            raise ExportError("factory", "the state dict does not fit the model the factory built: %s" % str(e).splitlines()[0])
    notes.append("built with %s(architecture=%r) and loaded %s" % (factory, architecture, key or "the state dict"))
    return model, "factory + load_state_dict"


def read_sample(torch, sample):
    with open(sample["path"], "rb") as f:
        data = bytearray(f.read())
    t = torch.frombuffer(data, dtype=torch.float32) if hasattr(torch, "frombuffer") else torch.tensor(
        __import__("array").array("f", bytes(data)))
    return t.reshape(sample["shape"]).clone()


def forward(torch, model, x):
    with torch.no_grad():
        y = model(x)
    if isinstance(y, (tuple, list)):
        y = y[0]
    if isinstance(y, dict):
        y = next(iter(y.values()))
    if not isinstance(y, torch.Tensor):
        raise ExportError("forward", "the model returned %s, not a tensor" % type(y).__name__)
    return y


def probe_multiple(torch, model, channels):
    """The smallest size multiple the model accepts, and its output scale (1, or 2/4 for SR)."""
    errors = []
    for m in PROBE_MULTIPLES:
        k = 1
        while m * k < 48:
            k += 2
        h, w = m * k, m * (k + 2)  # odd multiples of m: a larger multiple would fail
        try:
            y = forward(torch, model, torch.rand(1, channels, h, w, generator=torch.Generator().manual_seed(0)))
        except Exception as e:
            errors.append("%d: %s" % (m, str(e).splitlines()[0] if str(e) else type(e).__name__))
            continue
        if y.dim() != 4 or y.shape[1] != channels or y.shape[2] % h or y.shape[3] % w or y.shape[2] // h != y.shape[3] // w:
            raise ExportError("probe", "for a [1, %d, %d, %d] input the model returned %s; Loupe runs image-to-image "
                              "models (same channels, same or integer-scaled size)" % (channels, h, w, list(y.shape)))
        return m, y.shape[2] // h
    raise ExportError("probe", "the model accepted none of the sizes tried (multiples %s): %s" % (
        ", ".join(map(str, PROBE_MULTIPLES)), "; ".join(errors[-2:])))


def pad_to(torch, x, multiple):
    import torch.nn.functional as F

    h, w = x.shape[2], x.shape[3]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not ph and not pw:
        return x
    # Right and bottom, reflecting without repeating the edge: what Loupe does before a run.
    mode = "reflect" if ph < h and pw < w else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode)


def onnx_export(torch, model, example, path, opset, notes):
    kwargs = dict(
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "batch", 2: "height", 3: "width"}},
        opset_version=opset,
        do_constant_folding=True,
    )
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # the TorchScript exporter: dynamic axes, opset <= 17
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.onnx.export(model, (example,), path, **kwargs)
    for w in caught:
        text = str(w.message).splitlines()[0] if str(w.message) else ""
        if "Tracer" in type(w.message).__name__ or "onnx" in w.filename or "jit" in w.filename:
            if text and text not in notes:
                notes.append("export warning: %s" % text[:300])


def export(request):
    import torch

    notes = []
    result = {"ok": False, "exporter_version": EXPORTER_VERSION, "torch_version": torch.__version__,
              "python": sys.executable, "notes": notes}
    out_dir = request["out_dir"]
    timings = {}
    for p in request.get("python_path") or []:
        sys.path.insert(0, p)
    torch.set_grad_enabled(False)
    if request.get("threads"):
        torch.set_num_threads(int(request["threads"]))
    source = request["source"]
    t0 = time.time()
    try:
        if source["kind"] == "mlflow-pytorch":
            model, how = load_mlflow_model(torch, source, notes)
        elif source["kind"] == "torchscript":
            model, how = torch.jit.load(source["path"], map_location="cpu"), "torch.jit.load"
        else:
            model, how = load_torch_file(torch, source, request, notes)
    except ExportError:
        raise
    except Exception as e:
        raise ExportError("load", "%s: %s" % (type(e).__name__, e)) from e
    timings["load_s"] = round(time.time() - t0, 3)
    result["loaded_with"] = how
    if not isinstance(model, torch.nn.Module):
        raise ExportError("load", "loaded a %s, not a torch.nn.Module" % type(model).__name__)
    model = model.float().eval()
    result["model_class"] = type(model).__module__ + "." + type(model).__name__

    sample = read_sample(torch, request["sample"])
    channels = int(sample.shape[1])
    t0 = time.time()
    multiple = request.get("pad_multiple")
    if multiple:
        result["pad_multiple_source"] = "run params"
    else:
        multiple, _ = probe_multiple(torch, model, channels)
        result["pad_multiple_source"] = "probed"
        timings["probe_s"] = round(time.time() - t0, 3)
    result["pad_multiple"] = int(multiple)

    padded = pad_to(torch, sample, int(multiple))
    # Trace on a crop of the frame (fast); dynamic axes cover every other size, and the check
    # below runs the whole frame through both.
    ch = min(padded.shape[2], max(int(multiple), (128 // int(multiple)) * int(multiple)))
    cw = min(padded.shape[3], max(int(multiple), (160 // int(multiple)) * int(multiple)))
    example = padded[:, :, :ch, :cw].contiguous()
    opset = min(MAX_OPSET, int(request.get("max_opset") or MAX_OPSET))
    onnx_path = os.path.join(out_dir, "model.onnx")
    t0 = time.time()
    try:
        onnx_export(torch, model, example, onnx_path, opset, notes)
    except Exception as e:
        raise ExportError("export", "%s: %s" % (type(e).__name__, str(e).strip())) from e
    timings["export_s"] = round(time.time() - t0, 3)
    result["opset"] = opset

    t0 = time.time()
    try:
        y = forward(torch, model, padded)
    except ExportError:
        raise
    except Exception as e:
        raise ExportError("forward", "%s: %s" % (type(e).__name__, e)) from e
    timings["forward_s"] = round(time.time() - t0, 3)
    y = y.float().contiguous()
    h, w = padded.shape[2], padded.shape[3]
    if y.dim() != 4 or y.shape[1] != channels or y.shape[2] % h or y.shape[3] % w or y.shape[2] // h != y.shape[3] // w:
        raise ExportError("forward", "for a %s input the model returned %s; Loupe runs image-to-image models "
                          "(same channels, same or integer-scaled size)" % (list(padded.shape), list(y.shape)))
    result["scale"] = int(y.shape[2] // h)
    with open(os.path.join(out_dir, "padded_input.bin"), "wb") as f:
        f.write(padded.float().contiguous().numpy().tobytes() if _has_numpy() else _tensor_bytes(padded))
    with open(os.path.join(out_dir, "torch_output.bin"), "wb") as f:
        f.write(y.numpy().tobytes() if _has_numpy() else _tensor_bytes(y))
    result.update({
        "ok": True,
        "onnx": "model.onnx",
        "padded_input": {"path": "padded_input.bin", "shape": list(padded.shape)},
        "torch_output": {"path": "torch_output.bin", "shape": list(y.shape)},
        "output_range": [round(float(y.min()), 6), round(float(y.max()), 6)],
        "timings": timings,
    })
    return result


def _has_numpy():
    try:
        import numpy  # noqa: F401

        return True
    except Exception:
        return False


def _tensor_bytes(t):
    """float32 bytes of a tensor without numpy (torch.save of raw storage is not plain bytes)."""
    import array

    return array.array("f", t.float().contiguous().reshape(-1).tolist()).tobytes()


def main(argv):
    if len(argv) >= 2 and argv[1] == "probe":
        found = versions()
        print(json.dumps(found))
        return 0 if found.get("torch") else 2
    if len(argv) < 3 or argv[1] != "export":
        sys.stderr.write("usage: loupe_export.py probe | export REQUEST.json\n")
        return 64
    with open(argv[2]) as f:
        request = json.load(f)
    watch_parent(request.get("parent_pid"))
    result_path = os.path.join(request["out_dir"], "result.json")
    try:
        result = export(request)
        code = 0
    except ExportError as e:
        result = {"ok": False, "stage": e.stage, "message": str(e), "traceback": _frames(e.__cause__ or e)}
        code = 1
    except ImportError as e:
        result = {"ok": False, "stage": "import", "message": "%s: %s" % (type(e).__name__, e),
                  "traceback": _frames(e)}
        code = 1
    except BaseException as e:  # a bug in the user's code, MemoryError, KeyboardInterrupt
        result = {"ok": False, "stage": "export", "message": "%s: %s" % (type(e).__name__, e),
                  "traceback": _frames(e)}
        code = 1
    result.setdefault("exporter_version", EXPORTER_VERSION)
    tmp = result_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, result_path)
    return code


def _frames(e, frames=3):
    """The innermost frames of where the error was raised (file, line, code), without the message."""
    stack = traceback.extract_tb(e.__traceback__)[-frames:]
    return "\n".join('  File "%s", line %d, in %s\n    %s' % (f.filename, f.lineno, f.name, (f.line or "").strip())
                     for f in stack)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
