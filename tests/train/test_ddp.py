"""Two CPU processes under ``torchrun`` (gloo DDP through Accelerate): the multi-GPU code path, without GPUs.

(``accelerate launch --cpu`` starts a single process; a multi-CPU run is started by torchrun, whose RANK and
WORLD_SIZE Accelerate picks up as it does on GPUs.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voxtune.train.checkpoints import list_checkpoints

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["full", "lora"])
def test_two_processes_train_one_run(tmp_path: Path, strategy: str, dataset_factory) -> None:  # type: ignore[no-untyped-def]
    data = dataset_factory(tmp_path / "data", n_train=8)
    run = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    command += [str(WORKER), str(data), str(run)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([*command, strategy], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    # Both ranks took every step of one shared run (world size 2) ...
    assert sorted(p.read_text().split() for p in run.glob("rank-*.txt")) == [["2", "4", "4"], ["2", "4", "4"]]
    # ... and only the main process wrote checkpoints and metrics.
    assert [s for s, _ in list_checkpoints(run)] == [2, 4]
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if not r.get("eval")] == [1, 2, 3, 4]
    assert (run / "best.pt").is_file()
