import json
from pathlib import Path

import numpy as np
import pytest
from eval_signals import voiced

from voxtune.asr import FakeASR
from voxtune.audio.io import save_audio
from voxtune.errors import VoxtuneError
from voxtune.evaluate import VoiceLike, evaluate
from voxtune.evaluate.inputs import REFERENCE_MISSING
from voxtune.evaluate.runner import SYNTHESIS_FAILED
from voxtune.evaluate.scoring import NO_AUDIO
from voxtune.evaluate.wer import EMPTY_TRANSCRIPT

PROMPTS = ["Press 1 to continue.", "Thank you.", "The train leaves at 7:45."]
# What the fake ASR "hears", keyed by clip length in centiseconds: each voice's clips have their own lengths.
HEARD = {
    100: "press one to continue",
    125: "thank you",
    150: "the train leaves at seven forty five",
    105: "press two to continue",
    130: "thank you",
    155: "the rain leaves at seven",
}


class ToneVoice:
    """Reads prompt i as a buzz of 1 + 0.25 i seconds (+ ``offset``) at pitch ``f0``."""

    def __init__(self, name: str, f0: float, offset: float = 0.0, fails_on: str | None = None) -> None:
        self.name = name
        self.sample_rate = 22050
        self.f0 = f0
        self.offset = offset
        self.fails_on = fails_on

    def synthesize(self, text: str) -> np.ndarray:
        if text == self.fails_on:
            raise RuntimeError("cannot say that\nsecond line")
        return voiced(self.f0, 1.0 + 0.25 * PROMPTS.index(text) + self.offset, self.sample_rate)


class PitchEncoder:
    """A fake speaker encoder: the angle of the embedding is the clip's strongest frequency."""

    name = "pitch-encoder"

    def embed(self, wave: np.ndarray, sample_rate: int) -> np.ndarray | None:
        if not np.abs(wave).max(initial=0.0) > 0:
            return None
        peak_hz = np.argmax(np.abs(np.fft.rfft(wave))) * sample_rate / len(wave)
        return np.array([np.cos(peak_hz / 200), np.sin(peak_hz / 200)], dtype=np.float32)


def fake_asr() -> FakeASR:
    return FakeASR(lambda wave, sr: HEARD.get(round(100 * len(wave) / sr), "???"))


def make_refs(root: Path) -> Path:
    """Real-recording stand-ins at 16 kHz for the first two prompts; the third has no audio file."""
    (root / "wavs").mkdir(parents=True)
    (root / "metadata.csv").write_text("\n".join(f"r{i}|{text}" for i, text in enumerate(PROMPTS)) + "\n")
    for i in range(2):
        save_audio(root / "wavs" / f"r{i}.flac", voiced(150.0, 1.0 + 0.25 * i + 0.1), 16000)
    return root


def test_voices_side_by_side_with_ground_truth_and_report(tmp_path: Path) -> None:
    good = ToneVoice("good", f0=150.0)
    bad = ToneVoice("bad", f0=260.0, offset=0.05, fails_on=PROMPTS[1])
    assert isinstance(good, VoiceLike)
    result = evaluate(
        [good, bad],
        PROMPTS,
        refs=make_refs(tmp_path / "refs"),
        asr=fake_asr(),
        speaker_encoder=PitchEncoder(),
        out_dir=tmp_path / "report",
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    assert [row.name for row in result.voices] == ["good", "bad", "ground truth"]
    good_row, bad_row, truth = result.voices
    assert good_row.summary["wer"] == 0.0
    assert bad_row.summary["wer"] == pytest.approx((1 + 2 + 3) / 13)  # sub; all of "thank you"; rain/forty/five
    assert good_row.summary["speaker_similarity"] > bad_row.summary["speaker_similarity"]
    assert good_row.summary["rtf"] is not None and good_row.summary["dnsmos_p808"] is not None

    failed = bad_row.utterances[1]
    assert failed.flags[:3] == [SYNTHESIS_FAILED, "RuntimeError: cannot say that", NO_AUDIO]
    assert EMPTY_TRANSCRIPT in failed.flags and failed.metrics["wer"] == 1.0 and failed.audio is None

    # Parallel metrics exist where a reference recording does, and never for the reference row itself.
    assert good_row.utterances[0].metrics["mcd"] is not None
    assert good_row.utterances[0].metrics["duration_ratio"] == pytest.approx(1.0 / 1.1, rel=0.1)
    assert "mcd" not in good_row.utterances[2].metrics
    assert truth.kind == "reference" and "mcd" not in truth.utterances[0].metrics
    assert truth.utterances[2].flags == [REFERENCE_MISSING, NO_AUDIO]
    assert truth.utterances[2].metrics.get("wer") is None and truth.summary["wer"] is not None
    assert truth.summary["rtf"] is None

    out = tmp_path / "report"
    data = json.loads((out / "report.json").read_text())
    assert data["asr"] == "fake" and len(data["voices"]) == 3
    assert data["voices"][1]["flagged"] == bad_row.flagged >= 1
    assert (out / good_row.utterances[0].audio).is_file()
    assert (out / "report.md").read_text().startswith("# voxtune evaluation")
    html = (out / "index.html").read_text()
    assert html.count("<audio") == 3 + 2 + 2
    assert list((out / "img").rglob("*.png"))


def test_cache_makes_a_rerun_skip_asr_and_metrics_can_be_chosen(tmp_path: Path) -> None:
    asr = fake_asr()
    kwargs = dict(asr=asr, metrics={"wer", "rate"}, cache_dir=tmp_path / "cache", progress=False)
    first = evaluate([ToneVoice("v", 150.0)], PROMPTS, **kwargs)
    assert asr.waves_seen == 3
    second = evaluate([ToneVoice("v", 150.0)], PROMPTS, **kwargs)
    assert asr.waves_seen == 3
    assert first.voices[0].summary["wer"] == second.voices[0].summary["wer"] == 0.0
    assert "dnsmos_p808" not in second.voices[0].summary and second.speaker_encoder is None
    evaluate([ToneVoice("v", 150.0)], PROMPTS, **{**kwargs, "use_cache": False})
    assert asr.waves_seen == 6


def test_voice_specs_are_loaded_lazily_and_duplicate_names_kept_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    import voxtune.synth.voice

    monkeypatch.setattr(voxtune.synth.voice, "load_voice", lambda spec: ToneVoice(spec, 150.0))
    result = evaluate(["joe", "joe"], PROMPTS[:1], asr=fake_asr(), metrics={"wer"}, use_cache=False, progress=False)
    assert [row.name for row in result.voices] == ["joe", "joe #2"]


def test_builtin_test_set_is_the_default_and_silent_voices_do_not_crash(tmp_path: Path) -> None:
    class Mute:
        name = "mute"
        sample_rate = 16000

        def synthesize(self, text: str) -> np.ndarray:
            return np.zeros(8000, np.float32)

    asr = fake_asr()
    result = evaluate([Mute()], asr=asr, limit=4, use_cache=False, progress=False)
    row = result.voices[0]
    assert result.texts == "built-in test set (en)" and len(row.utterances) == 4
    assert asr.waves_seen == 0  # silence is never sent to the recognizer
    assert row.summary["wer"] == 1.0 and row.summary["dnsmos_p808"] is None
    assert all("silent" in u.flags for u in row.utterances)


def test_user_errors_are_one_line(tmp_path: Path) -> None:
    voice = ToneVoice("v", 150.0)
    with pytest.raises(VoxtuneError, match="not both"):
        evaluate([voice], PROMPTS, data=tmp_path)
    with pytest.raises(VoxtuneError, match="unknown metrics"):
        evaluate([voice], PROMPTS, metrics={"wer", "vibes"})
    with pytest.raises(VoxtuneError, match="no voices"):
        evaluate([], PROMPTS)
    with pytest.raises(VoxtuneError, match="not a corpus"):
        evaluate([voice], data=tmp_path)


def test_references_alone_can_be_scored(tmp_path: Path) -> None:
    result = evaluate(
        [],
        PROMPTS,
        refs=make_refs(tmp_path / "refs"),
        asr=fake_asr(),
        metrics={"wer", "speaker"},
        speaker_encoder=PitchEncoder(),
        use_cache=False,
        progress=False,
    )
    (truth,) = result.voices
    assert truth.kind == "reference" and truth.summary["speaker_similarity"] == pytest.approx(1.0, abs=1e-4)
    assert [u.metrics.get("wer") for u in truth.utterances] == [1.0, 1.0, None]  # "???": lengths are +0.1 s


def test_torch_voices_read_the_same_way_every_run_so_the_cache_hits(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class NoisyVoice(ToneVoice):
        def synthesize(self, text: str) -> np.ndarray:
            return super().synthesize(text) + 0.01 * torch.randn(1).item()

    asr = fake_asr()
    kwargs = dict(asr=asr, metrics={"wer"}, cache_dir=tmp_path, progress=False)
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    evaluate([NoisyVoice("n", 150.0)], PROMPTS, **kwargs)
    evaluate([NoisyVoice("n", 150.0)], PROMPTS, **kwargs)
    assert asr.waves_seen == 3
    assert torch.rand(1) == expected  # the caller's random stream is left where it was


def test_takes_read_each_prompt_again_with_other_noise_and_pool_the_metrics(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    class NoisyVoice(ToneVoice):
        """Its clip gets 10 ms longer on a draw below 0.5: some takes are heard wrong (the fake ASR keys length)."""

        def synthesize(self, text: str) -> np.ndarray:
            slower = torch.rand(1).item() < 0.5
            return voiced(self.f0, 1.0 + 0.25 * PROMPTS.index(text) + (0.01 if slower else 0.0), self.sample_rate)

    kwargs = dict(asr=fake_asr(), metrics={"wer"}, use_cache=False, progress=False)
    refs = make_refs(tmp_path / "refs")
    single = evaluate([NoisyVoice("n", 150.0)], PROMPTS, refs=refs, **kwargs)
    result = evaluate([NoisyVoice("n", 150.0)], PROMPTS, refs=refs, takes=4, **kwargs)
    voice, truth = result.voices
    assert [u.id for u in voice.utterances[:4]] == ["text-001", "text-001~2", "text-001~3", "text-001~4"]
    assert [u.id for u in truth.utterances] == [u.id for u in voice.utterances]  # the recordings, once per take
    assert voice.utterances[0].seconds == single.voices[0].utterances[0].seconds  # take 1 is the single reading
    lengths = {u.seconds for u in voice.utterances}
    assert len(lengths) > len(PROMPTS)  # other takes drew other noise
    wrong = sum(u.metrics["wer"] > 0 for u in voice.utterances)
    assert 0 < wrong < len(voice.utterances)
    assert voice.summary["wer"] == pytest.approx(
        sum(u.metrics["wer"] * len(u.reference_normalized.split()) for u in voice.utterances)
        / sum(len(u.reference_normalized.split()) for u in voice.utterances)
    )
    assert truth.utterances[4].metrics["wer"] == truth.utterances[5].metrics["wer"]  # a recording is what it is
    with pytest.raises(VoxtuneError, match="takes must be at least 1"):
        evaluate([NoisyVoice("n", 150.0)], PROMPTS, takes=0, **kwargs)


def test_with_takes_the_recordings_are_not_compared_with_their_own_copies(tmp_path: Path) -> None:
    kwargs = dict(
        refs=make_refs(tmp_path / "refs"), speaker_encoder=PitchEncoder(), metrics={"speaker"}, progress=False
    )
    once = evaluate([ToneVoice("t", 150.0)], PROMPTS, use_cache=False, **kwargs)
    thrice = evaluate([ToneVoice("t", 150.0)], PROMPTS, use_cache=False, takes=3, **kwargs)
    for one, three in zip(once.voices, thrice.voices, strict=True):
        assert three.summary["speaker_similarity"] == pytest.approx(one.summary["speaker_similarity"])
    truth_once, truth_thrice = once.voices[1].utterances, thrice.voices[1].utterances
    assert [u.metrics.get("speaker_similarity") for u in truth_thrice] == [
        u.metrics.get("speaker_similarity") for u in truth_once for _ in range(3)
    ]
