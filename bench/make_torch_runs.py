"""An MLflow file store of a user's PyTorch runs, for bench/pytorch.bench.test.ts: the bundled
restoration networks (training/restoration_nets.py) with their trained weights
(training/checkpoints/<id>.pt, float16 values upcast to float32, as the bundled ONNX files hold
them), each logged the way mlflow.pytorch.log_model(model, "model", code_paths=[...]) writes it:
artifacts/model/{MLmodel, data/model.pth, data/pickle_module_info.txt, code/restoration_nets.py}.

    /usr/bin/python3 bench/make_torch_runs.py STORE
"""
import hashlib
import os
import shutil
import sys

import torch
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))
import restoration_nets  # noqa: E402

try:
    import cloudpickle as pickle_module
    PICKLE = "mlflow.pytorch.pickle_module"
except ImportError:
    import pickle as pickle_module
    PICKLE = "pickle"

EXP = "5"
MODELS = {"dncnn": "loupe-restore-dncnn", "unet": "loupe-restore-unet", "nafnet": "loupe-restore-nafnet"}


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        yaml.safe_dump(obj, f, default_flow_style=False)


def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main(store):
    store = os.path.abspath(store)
    dump(os.path.join(store, EXP, "meta.yaml"), {
        "artifact_location": "file://%s/%s" % (store, EXP), "experiment_id": EXP, "lifecycle_stage": "active",
        "name": "user-restoration", "creation_time": 1, "last_update_time": 1})
    for i, (arch, model_id) in enumerate(MODELS.items()):
        ck = torch.load(os.path.join(ROOT, "training", "checkpoints", model_id + ".pt"), map_location="cpu")
        net = restoration_nets.build(ck["arch"], ck["arch_cfg"])
        net.load_state_dict({k: v.float() if v.dtype.is_floating_point else v for k, v in ck["state_dict"].items()})
        net.eval()
        run_id = hashlib.md5(arch.encode()).hexdigest()
        run = os.path.join(store, EXP, run_id)
        dump(os.path.join(run, "meta.yaml"), {
            "artifact_uri": "file://%s/artifacts" % run, "experiment_id": EXP, "lifecycle_stage": "active",
            "run_id": run_id, "run_uuid": run_id, "run_name": "user-" + arch, "start_time": 1000 + i,
            "end_time": 2000 + i, "status": 3, "user_id": "bench", "tags": [], "source_type": 4, "source_name": "",
            "entry_point_name": "", "source_version": ""})
        put(os.path.join(run, "params", "architecture"), arch)
        put(os.path.join(run, "tags", "mlflow.runName"), "user-" + arch)
        model = os.path.join(run, "artifacts", "model")
        os.makedirs(os.path.join(model, "data"))
        os.makedirs(os.path.join(model, "code"))
        shutil.copy(os.path.join(ROOT, "training", "restoration_nets.py"), os.path.join(model, "code"))
        put(os.path.join(model, "data", "pickle_module_info.txt"), PICKLE)
        torch.save(net, os.path.join(model, "data", "model.pth"), pickle_module=pickle_module)
        dump(os.path.join(model, "MLmodel"), {
            "artifact_path": "model", "run_id": run_id, "mlflow_version": "2.16.2",
            "flavors": {"pytorch": {"model_data": "data", "pytorch_version": str(torch.__version__), "code": "code"},
                        "python_function": {"loader_module": "mlflow.pytorch", "data": "data", "code": "code",
                                            "pickle_module_name": PICKLE}}})
    print(store)


if __name__ == "__main__":
    main(sys.argv[1])
