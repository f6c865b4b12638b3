"""The training loop on Hugging Face Accelerate (CPU, one GPU, DDP across GPUs and nodes via
``accelerate launch``): pretraining and fine-tuning are the same loop started from different weights.

Run directory layout::

    RUN_DIR/run.yaml            resolved configuration (voice + train + data)
    RUN_DIR/metrics.jsonl       one JSON object per logged step and per evaluation
    RUN_DIR/tensorboard/        the same scalars for TensorBoard
    RUN_DIR/samples/step-N/     dev sentences synthesized at each evaluation
    RUN_DIR/checkpoints/        step checkpoints with full training state (resume from the newest)
    RUN_DIR/best.pt             the best voice so far by the evaluation score
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import math
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import yaml

from voxtune.config import TrainConfig, to_dict
from voxtune.data.loader import BucketBatchSampler, SpeechDataset, collate, read_manifest, total_minutes
from voxtune.errors import VoxtuneError
from voxtune.models.vits.model import VITS
from voxtune.pretrained.checkpoint import VoiceCheckpoint, model_from_checkpoint, save_checkpoint
from voxtune.train import checkpoints as ckpt
from voxtune.train.evaluation import DevJudge, EvalScores, mel_distance, save_samples, synthesize_texts
from voxtune.train.lora import attach_lora, has_lora, merged_state_dict
from voxtune.train.new_speakers import add_speakers
from voxtune.train.new_symbols import extend_phonemes
from voxtune.train.optim import build_optimizer, build_scheduler, steps_per_epoch
from voxtune.train.scales import tune_voice_scales
from voxtune.train.step import StepLosses, new_discriminator, train_step
from voxtune.train.strategies import frozen_prefixes

log = logging.getLogger(__name__)


class TrainingError(VoxtuneError):
    """A run that cannot continue (e.g. too many non-finite losses in a row)."""


@dataclasses.dataclass
class RunResult:
    run_dir: Path
    step: int
    best_step: int | None
    best_score: float | None
    stopped_early: bool = False
    interrupted: bool = False
    scales: tuple[float, float] | None = None  # (noise_scale, noise_w) chosen by tune_scales


@dataclasses.dataclass
class _State:
    step: int = 0
    best: list[tuple[float, int]] = dataclasses.field(default_factory=list)  # (score, step), best first
    evals_without_improvement: int = 0
    nonfinite_in_a_row: int = 0
    skipped_steps: int = 0


class _StopSignal:
    """Turns SIGINT/SIGTERM into a flag checked between steps, so a stop always saves a checkpoint first."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread signals cannot be caught; the run then stops only by its own end.
            with contextlib.suppress(ValueError):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        log.warning("stop requested: saving a checkpoint after this step")

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _write_run_config(run_dir: Path, base: VoiceCheckpoint, train: TrainConfig, data: Path) -> None:
    document = {"voice": to_dict(base.config), "train": to_dict(train), "data": str(data), "base": base.provenance}
    (run_dir / "run.yaml").write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


# What of the generator learns while a fresh discriminator warms up: the posterior encoder, which a recovered
# base has only heard speak in the base voice and must first fit to the target recordings.
WARMUP_TRAINABLE = ("enc_q.",)


def _freeze(model: VITS, prefixes: tuple[str, ...]) -> None:
    for name, parameter in model.named_parameters():
        if name.startswith(prefixes):
            parameter.requires_grad_(False)


def train(
    base: VoiceCheckpoint,
    data: str | Path,
    config: TrainConfig,
    *,
    resume: bool = False,
    progress: bool = True,
    on_step: Callable[[int, StepLosses], None] | None = None,
) -> RunResult:
    """Train ``base`` on the prepared dataset ``data`` (its ``train`` split; ``dev`` for evaluation).

    ``base`` gives the architecture and initial weights (a fresh model for pretraining, a pretrained voice for
    fine-tuning). With ``resume`` the newest checkpoint in ``config.output_dir`` is continued exactly.
    """
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    run_dir = Path(config.output_dir)
    data = Path(data)
    existing = ckpt.list_checkpoints(run_dir)
    if existing and not resume:
        raise VoxtuneError(f"{run_dir} already holds checkpoints: pass --resume to continue it or choose a new -o")
    if resume and not existing:
        raise VoxtuneError(f"nothing to resume in {run_dir}: no checkpoints/step-*.pt")
    run_dir.mkdir(parents=True, exist_ok=True)

    accelerator = Accelerator(mixed_precision=config.mixed_precision, cpu=not torch.cuda.is_available())
    set_seed(config.seed)
    audio = base.config.audio
    train_items = read_manifest(data, "train", audio)
    dev_items = read_manifest(data, "dev", audio)[: config.eval_max_items]
    if not train_items:
        raise VoxtuneError(f"{data} has no kept items in its train split")
    if config.extend_phonemes:
        base, train_items, dev_items, symbols = extend_phonemes(base, train_items, dev_items)
        if symbols:
            _announce(f"phoneme map extended by {len(symbols)} symbols: {' '.join(symbols)}")
    else:
        lacking = sorted({p for item in train_items for p in item.missing_phonemes})
        if lacking:
            log.warning(
                "the base voice lacks %d phonemes of the train split (%s): they are left out; "
                "extend_phonemes=true learns them",
                len(lacking),
                " ".join(lacking),
            )
    base, train_items, dev_items, speakers = add_speakers(base, train_items, dev_items)
    if speakers:
        _announce(f"new speakers added to the base voice: {', '.join(speakers)}")
    _check_symbols(train_items, base)

    generator = model_from_checkpoint(base).train()
    discriminator = new_discriminator(base.discriminator).train()
    _freeze(generator, frozen_prefixes(config.strategy, config.freeze))
    if config.strategy == "lora":
        adapter_parameters = attach_lora(generator, config.lora_rank, config.lora_alpha)
        log.info("LoRA: %d trainable adapter parameters (rank %d)", adapter_parameters, config.lora_rank)
    warmup = config.discriminator_warmup_steps
    if warmup < 0:
        warmup = 0 if base.discriminator is not None else 50
    optimizer_g = build_optimizer(generator, config, config.learning_rate)
    optimizer_d = build_optimizer(discriminator, config, config.discriminator_learning_rate or config.learning_rate)
    sampler = BucketBatchSampler(
        [i.frames for i in train_items],
        config.per_device_train_batch_size,
        config.max_frames_per_batch,
        seed=config.seed,
        num_replicas=accelerator.num_processes,
        rank=accelerator.process_index,
    )
    per_epoch = steps_per_epoch(len(sampler.batches(0)), config.gradient_accumulation_steps)
    total_steps = config.max_steps if config.max_steps > 0 else per_epoch * config.num_train_epochs
    scheduler_g = build_scheduler(optimizer_g, config, total_steps, per_epoch)
    scheduler_d = build_scheduler(optimizer_d, config, total_steps, per_epoch)
    state = _State()

    if resume:
        latest = ckpt.latest_checkpoint(run_dir)
        assert latest is not None and latest.train_state is not None and latest.discriminator is not None
        # A LoRA run's voice holds merged weights; its training state keeps the base weights and adapters apart.
        generator.load_state_dict(latest.train_state.get("generator", latest.model))
        discriminator.load_state_dict(latest.discriminator)
        saved = latest.train_state
        optimizer_g.load_state_dict(saved["optimizer_g"])
        optimizer_d.load_state_dict(saved["optimizer_d"])
        scheduler_g.load_state_dict(saved["scheduler_g"])
        scheduler_d.load_state_dict(saved["scheduler_d"])
        sampler.load_state_dict(saved["sampler"])
        state = _State(
            step=int(saved["step"]),
            best=[(float(s), int(t)) for s, t in saved["best"]],
            evals_without_improvement=int(saved["evals_without_improvement"]),
            skipped_steps=int(saved.get("skipped_steps", 0)),
        )
        ckpt.restore_rng(saved["rng"])
        log.info("resumed %s at step %d", run_dir, state.step)
    else:
        _write_run_config(run_dir, base, config, data)

    generator, discriminator, optimizer_g, optimizer_d = accelerator.prepare(
        generator, discriminator, optimizer_g, optimizer_d
    )
    cache = total_minutes(train_items, audio) <= config.dataset_cache_minutes
    dataset = SpeechDataset(train_items, audio, cache=cache)
    dev_batches = [b for b in (collate([SpeechDataset(dev_items, audio)[i]]) for i in range(len(dev_items))) if b]
    judge = DevJudge(dev_items, audio.sample_rate, config.eval_asr, config.eval_speaker, config.seed)
    writer = _tensorboard(run_dir) if accelerator.is_main_process else None
    bar = _progress(total_steps, state.step, progress and accelerator.is_main_process)
    result = RunResult(run_dir, state.step, None, None)
    started, started_step = time.perf_counter(), state.step

    def voice_checkpoint(with_train_state: bool) -> VoiceCheckpoint:
        g_model = accelerator.unwrap_model(generator)
        d_model = accelerator.unwrap_model(discriminator)
        train_state = None
        if with_train_state:
            train_state = {
                "step": state.step,
                "optimizer_g": optimizer_g.state_dict(),
                "optimizer_d": optimizer_d.state_dict(),
                "scheduler_g": scheduler_g.state_dict(),
                "scheduler_d": scheduler_d.state_dict(),
                "sampler": sampler.state_dict(),
                "rng": ckpt.capture_rng(),
                "best": state.best,
                "evals_without_improvement": state.evals_without_improvement,
                "skipped_steps": state.skipped_steps,
            }
            if has_lora(g_model):
                train_state["generator"] = {k: v.detach().cpu().clone() for k, v in g_model.state_dict().items()}
        return VoiceCheckpoint(
            config=base.config,
            phoneme_id_map=base.phoneme_id_map,
            speaker_id_map=base.speaker_id_map,
            model={k: v.cpu() for k, v in merged_state_dict(g_model).items()},
            discriminator={k: v.detach().cpu().clone() for k, v in d_model.state_dict().items()},
            train_state=train_state,
            provenance={**base.provenance, "steps": state.step, "data": str(data)},
        )

    def save() -> None:
        if not accelerator.is_main_process:
            return
        ckpt.save_run_checkpoint(run_dir, state.step, voice_checkpoint(with_train_state=True))
        ckpt.prune(run_dir, config.save_total_limit, {s for _, s in state.best[: config.save_best_total_limit]})

    def evaluate_now() -> None:
        model: VITS = accelerator.unwrap_model(generator)
        model.eval()
        try:
            scores = EvalScores(mel_distance=mel_distance(model, dev_batches, audio)) if dev_batches else None
            if dev_items and accelerator.is_main_process:
                names = [i.id for i in dev_items[:2]]
                waves = synthesize_texts(model, [list(i.ids) for i in dev_items[:2]], seed=config.seed)
                save_samples(run_dir / "samples" / f"step-{state.step:07d}", names, waves, audio.sample_rate)
            if scores and judge.enabled and _wer_due(config, state.step):
                scores.wer, scores.speaker_similarity = judge.judge(model)
        finally:
            model.train()
        if scores is None:
            return
        record = {
            "step": state.step,
            "eval": True,
            "mel_distance": scores.mel_distance,
            "wer": scores.wer,
            "speaker_similarity": scores.speaker_similarity,
            "score": scores.score,
        }
        if accelerator.is_main_process:
            _log(run_dir, writer, record)
        # Every process evaluates (the same weights, the same dev set), so all agree on early stopping.
        improved = not state.best or scores.score < state.best[0][0]
        state.best = sorted([*state.best, (scores.score, state.step)])[: max(config.save_best_total_limit, 1)]
        state.evals_without_improvement = 0 if improved else state.evals_without_improvement + 1
        if improved and accelerator.is_main_process:
            save_checkpoint(voice_checkpoint(with_train_state=False), run_dir / "best.pt")

    with _StopSignal() as stop:
        while state.step < total_steps:
            batches = sampler.batches(sampler.epoch)
            if sampler.position >= len(batches):
                sampler.epoch, sampler.position = sampler.epoch + 1, 0
                continue
            batch_indices = batches[sampler.position : sampler.position + config.gradient_accumulation_steps]
            sampler.position += len(batch_indices)
            micro_batches = [b for b in (collate([dataset[i] for i in idx]) for idx in batch_indices) if b]
            if not micro_batches:
                continue
            losses = _update(
                generator,
                discriminator,
                optimizer_g,
                optimizer_d,
                micro_batches,
                audio,
                config,
                accelerator,
                train_generator=state.step >= warmup,
            )
            if losses is None or not losses.finite():
                state.nonfinite_in_a_row += 1
                state.skipped_steps += 1
                log.warning(
                    "step %d: non-finite loss, step skipped (%d in a row)", state.step + 1, state.nonfinite_in_a_row
                )
                if state.nonfinite_in_a_row >= config.max_consecutive_nonfinite:
                    raise TrainingError(
                        f"{state.nonfinite_in_a_row} non-finite losses in a row: lower the learning"
                        " rate or check the data (see metrics.jsonl)"
                    )
                continue
            state.nonfinite_in_a_row = 0
            scheduler_g.step()
            scheduler_d.step()
            state.step += 1
            if on_step:
                on_step(state.step, losses)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(mel=f"{losses.mel:.3f}", kl=f"{losses.kl:.2f}", d=f"{losses.discriminator:.2f}")
            if accelerator.is_main_process and (state.step % config.logging_steps == 0 or state.step == 1):
                # The main process's own batch: under DDP the other processes' losses are not gathered.
                rate = (state.step - started_step) / max(time.perf_counter() - started, 1e-9)
                _log(
                    run_dir,
                    writer,
                    {
                        "step": state.step,
                        **vars(losses),
                        "lr": scheduler_g.get_last_lr()[0],
                        "steps_per_second": rate,
                        "epoch": sampler.epoch,
                    },
                )
            if config.eval_steps and state.step % config.eval_steps == 0:
                evaluate_now()
                if config.early_stopping_patience and state.evals_without_improvement >= config.early_stopping_patience:
                    result.stopped_early = True
            if (config.save_steps and state.step % config.save_steps == 0) or result.stopped_early or stop.requested:
                save()
            if result.stopped_early or stop.requested:
                result.interrupted = stop.requested
                break
        else:
            if config.eval_steps and state.step % config.eval_steps:
                evaluate_now()
            if not ckpt.list_checkpoints(run_dir) or ckpt.list_checkpoints(run_dir)[-1][0] != state.step:
                save()
    # A run without any evaluation (no dev split, eval_steps=0) still ends with a voice: its last weights.
    if accelerator.is_main_process and not state.best and state.step > 0:
        save_checkpoint(voice_checkpoint(with_train_state=False), run_dir / "best.pt")
    if accelerator.is_main_process and config.tune_scales and dev_items and (run_dir / "best.pt").is_file():
        choice = tune_voice_scales(run_dir / "best.pt", judge, accelerator.device)
        tried = {f"wer_{ns:g}_{nw:g}": round(w, 4) for (ns, nw), w in choice.wer.items()}
        _log(run_dir, writer, {"step": state.step, "scales": True, **tried, "noise_scale": choice.noise_scale})
        log.info("sampling noise for best.pt: %g / %g (dev WER %s)", choice.noise_scale, choice.noise_w, tried)
        result.scales = (choice.noise_scale, choice.noise_w)
    if bar is not None:
        bar.close()
    if writer is not None:
        writer.close()
    result.step = state.step
    if state.best:
        result.best_score, result.best_step = state.best[0]
    return result


def _update(
    generator: Any,
    discriminator: Any,
    optimizer_g: Any,
    optimizer_d: Any,
    micro_batches: list[dict[str, Any]],
    audio: Any,
    config: TrainConfig,
    accelerator: Any,
    train_generator: bool,
) -> StepLosses | None:
    """One optimizer step over the micro-batches; returns the mean losses, or None when gradients are non-finite."""
    optimizer_g.zero_grad(set_to_none=True)
    optimizer_d.zero_grad(set_to_none=True)
    device = accelerator.device
    results = []
    for batch in micro_batches:
        moved = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
        results.append(
            train_step(
                generator,
                discriminator,
                moved,
                audio,
                config,
                accelerator,
                scale=1.0 / len(micro_batches),
                train_generator=train_generator,
            )
        )
    mean = StepLosses(**{k: sum(getattr(r, k) for r in results) / len(results) for k in vars(results[0])})
    if not mean.finite():
        return mean
    if not train_generator:
        # Discriminator warm-up: of the generator only the posterior encoder learns (see train_step).
        for name, parameter in accelerator.unwrap_model(generator).named_parameters():
            if not name.startswith(WARMUP_TRAINABLE):
                parameter.grad = None
    for model, optimizer in ((discriminator, optimizer_d), (generator, optimizer_g)):
        parameters = [p for p in model.parameters() if p.grad is not None]
        if config.max_grad_norm:
            norm = accelerator.clip_grad_norm_(parameters, config.max_grad_norm)
        else:
            norm = torch.norm(torch.stack([p.grad.detach().float().norm() for p in parameters])) if parameters else 0
        if not math.isfinite(float(norm)):
            return None
        optimizer.step()
    return mean


def _announce(message: str) -> None:
    print(f"voxtune: {message}")
    log.info(message)


def _check_symbols(items: list[Any], base: VoiceCheckpoint) -> None:
    largest = max(max(item.ids) for item in items)
    if largest >= base.config.model.num_symbols:
        raise VoxtuneError(
            f"the dataset uses phoneme id {largest}, but the voice knows only "
            f"{base.config.model.num_symbols} symbols: prepare it with --voice set to the base voice"
        )


def _wer_due(config: TrainConfig, step: int) -> bool:
    return not config.eval_wer_steps or step % config.eval_wer_steps == 0


def _log(run_dir: Path, writer: Any, record: dict[str, Any]) -> None:
    with (run_dir / "metrics.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    if writer is not None:
        prefix = "eval" if record.get("eval") else "train"
        for key, value in record.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key != "step":
                writer.add_scalar(f"{prefix}/{key}", value, record["step"])


def _tensorboard(run_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # TensorBoard is optional: metrics.jsonl always has the numbers
        return None
    return SummaryWriter(str(run_dir / "tensorboard"))


def _progress(total: int, done: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc="train", unit="step", dynamic_ncols=True)
