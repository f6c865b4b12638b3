"""Ship a voice: Piper-layout ONNX export, int8 quantization, the streaming split (encoder + chunked decoder)
and verification in Piper's own runtime."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voxtune._callable_package import make_callable
from voxtune.export.onnx import export_onnx, piper_config
from voxtune.export.quantize import quantize_int8
from voxtune.export.streaming import StreamingExport, decoder_context_frames, export_streaming, verify_streaming
from voxtune.export.verify import MIN_SNR_DB, Verification, verify_in_piper
from voxtune.pretrained.checkpoint import VoiceCheckpoint

__all__ = [
    "ExportResult",
    "StreamingExport",
    "decoder_context_frames",
    "export",
    "export_onnx",
    "export_streaming",
    "piper_config",
    "quantize_int8",
    "verify_in_piper",
    "verify_streaming",
]


@dataclass(frozen=True)
class ExportResult:
    onnx: Path
    config: Path
    verification: Verification | None
    int8: Path | None = None
    int8_verification: Verification | None = None
    streaming: StreamingExport | None = None


def export(
    voice: str | Path,
    output: str | Path,
    *,
    quantize: str | None = None,
    verify: bool = True,
    streaming: bool = False,
) -> ExportResult:
    """Export any voice spec (run dir, ``.pt``, ``.ckpt``, ``.pth``, installed name) to ``output`` (``.onnx``).

    With ``verify`` the file is loaded by piper-tts and compared with the torch model at noise 0; a minimum SNR
    under :data:`MIN_SNR_DB` raises. ``quantize="int8"`` also writes ``NAME.int8.onnx`` (verified, not required
    to pass: its SNR is its quality delta). ``streaming`` also writes ``NAME.encoder.onnx`` and
    ``NAME.decoder.onnx`` (:mod:`voxtune.export.streaming`); verified against the full graph, whole and in
    chunks, and required to pass.
    """
    from voxtune.errors import VoxtuneError
    from voxtune.pretrained.voices import load_voice_checkpoint

    if quantize not in (None, "int8"):
        raise VoxtuneError(f"unknown quantization {quantize!r}; choose int8")
    output = Path(output)
    if output.suffix != ".onnx":
        raise VoxtuneError(f"the output must end in .onnx: {output}")
    checkpoint = load_voice_checkpoint(voice)
    config = export_onnx(checkpoint, output)
    verification = verify_in_piper(output, checkpoint) if verify else None
    if verification is not None and not verification.passed:
        raise VoxtuneError(
            f"{output} does not match the torch model in piper-tts: min SNR {verification.min_snr_db:.1f} dB "
            f"(needs {MIN_SNR_DB:.0f}), equal length: {verification.equal_length}"
        )
    split = _export_streaming(checkpoint, output, verify) if streaming else None
    if quantize is None:
        return ExportResult(output, config, verification, streaming=split)
    int8 = quantize_int8(output, output.with_suffix(".int8.onnx"))
    int8_verification = verify_in_piper(int8, checkpoint) if verify else None
    return ExportResult(output, config, verification, int8, int8_verification, split)


def _export_streaming(checkpoint: VoiceCheckpoint, output: Path, verify: bool) -> StreamingExport:
    from voxtune.errors import VoxtuneError

    encoder, decoder, context = export_streaming(checkpoint, output)
    check = verify_streaming(output, checkpoint) if verify else None
    if check is not None and not check.passed:
        raise VoxtuneError(
            f"the streaming graphs of {output} do not match the full graph: min SNR {check.min_snr_db:.1f} dB "
            f"(needs {MIN_SNR_DB:.0f}), equal length: {check.equal_length}"
        )
    return StreamingExport(encoder, decoder, context, check)


# Last: the subpackage is complete when it becomes callable.
make_callable(__name__, export)
