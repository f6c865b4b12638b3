import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import voxtune


def test_public_api_is_pinned() -> None:
    assert sorted(voxtune.__all__) == [
        "Scales",
        "Voice",
        "VoiceCheckpoint",
        "VoxtuneError",
        "build_course",
        "evaluate",
        "export",
        "finetune",
        "import_voice",
        "installed_voices",
        "load_checkpoint",
        "load_voice",
        "prepare",
        "pretrain",
        "save_checkpoint",
        "synthesize",
    ]
    for name in voxtune.__all__:
        assert hasattr(voxtune, name), name


class Buzz:
    name = "buzz"
    sample_rate = 16000

    def synthesize(self, text: str) -> np.ndarray:
        t = np.arange(self.sample_rate) / self.sample_rate
        return (0.2 * np.sin(2 * np.pi * 150 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def test_evaluate_is_callable_and_still_the_subpackage(tmp_path: Path) -> None:
    from voxtune.asr import FakeASR
    from voxtune.evaluate.runner import evaluate as run_evaluation

    result = voxtune.evaluate(
        [Buzz()], ["Hello there."], asr=FakeASR(lambda w, sr: "hello there"), metrics={"wer"}, use_cache=False
    )
    assert result.voice("buzz").summary["wer"] == 0.0
    assert inspect.signature(voxtune.evaluate) == inspect.signature(run_evaluation)
    # Every way of reaching the subpackage's modules keeps working beside the call.
    assert voxtune.evaluate is sys.modules["voxtune.evaluate"]
    assert voxtune.evaluate.load_testset is not None
    import voxtune.evaluate.wer as wer_module
    from voxtune.evaluate.wer import utterance_errors

    assert wer_module.utterance_errors is utterance_errors


def test_subpackage_paths_resolve_for_monkeypatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("voxtune.evaluate.testset.load_testset", lambda language="en": [])
    from voxtune.evaluate import testset

    assert testset.load_testset() == []


def test_submodule_imported_before_voxtune_in_a_fresh_interpreter() -> None:
    # The first import decides what ``voxtune.evaluate`` is; here it is a submodule, before any ``import voxtune``.
    code = (
        "import voxtune.evaluate.wer, voxtune; assert callable(voxtune.evaluate); "
        "import voxtune.evaluate as e; assert e is voxtune.evaluate and e.load_testset()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_code_is_loaded_only_on_demand() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, voxtune; print('voxtune.train.loop' in sys.modules); voxtune.finetune; "
        "print('voxtune.train.loop' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_onnx_inference_runs_without_torch(tmp_path: Path, joe_onnx: Path) -> None:
    """Batch synthesis and the server start faster without torch (2 s of imports): ONNX voices never need it."""
    probe = (
        "import sys, voxtune; from voxtune.synth.batch import BatchItem, synthesize_batch; "
        "voice = voxtune.load_voice(sys.argv[1]); audio = voice.synthesize('Hello there.'); "
        "items = [BatchItem('a', 'One.'), BatchItem('b', 'Two.')]; "
        "done = synthesize_batch(sys.argv[1], items, sys.argv[2], jobs=2, progress=False); "
        "print(voice.config.model.hidden_channels, audio.size > 0, done.written, 'torch' in sys.modules, "
        "'voxtune.evaluate' in sys.modules)"
    )
    command = [sys.executable, "-c", probe, str(joe_onnx), str(tmp_path / "out")]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["192", "True", "2", "False", "False"]


def test_the_lazy_names_resolve_where_they_live() -> None:
    from voxtune.pretrained import checkpoint

    assert voxtune.VoiceCheckpoint is checkpoint.VoiceCheckpoint
    assert voxtune.load_checkpoint is checkpoint.load_checkpoint
    assert voxtune.save_checkpoint is checkpoint.save_checkpoint
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        voxtune.nonexistent  # noqa: B018


def test_export_is_callable_and_still_the_subpackage(tmp_path: Path, tiny_voice_path: Path) -> None:
    import inspect
    import sys

    from voxtune.export import export as run_export

    assert inspect.signature(voxtune.export) == inspect.signature(run_export)
    assert voxtune.export is sys.modules["voxtune.export"]
    result = voxtune.export(tiny_voice_path, tmp_path / "tiny.onnx")
    assert result.onnx.is_file() and result.verification is not None and result.verification.passed
