"""Ship a voice: Piper-layout ONNX export, int8 quantization and verification in Piper's own runtime."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voxtune.export.onnx import export_onnx, piper_config
from voxtune.export.quantize import quantize_int8
from voxtune.export.verify import MIN_SNR_DB, Verification, verify_in_piper

__all__ = ["ExportResult", "export", "export_onnx", "piper_config", "quantize_int8", "verify_in_piper"]


@dataclass(frozen=True)
class ExportResult:
    onnx: Path
    config: Path
    verification: Verification | None
    int8: Path | None = None
    int8_verification: Verification | None = None


def export(voice: str | Path, output: str | Path, *, quantize: str | None = None, verify: bool = True) -> ExportResult:
    """Export any voice spec (run dir, ``.pt``, ``.ckpt``, ``.pth``, installed name) to ``output`` (``.onnx``).

    With ``verify`` the file is loaded by piper-tts and compared with the torch model at noise 0; a minimum SNR
    under :data:`MIN_SNR_DB` raises. ``quantize="int8"`` also writes ``NAME.int8.onnx`` (verified, not required
    to pass: its SNR is its quality delta).
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
    if quantize is None:
        return ExportResult(output, config, verification)
    int8 = quantize_int8(output, output.with_suffix(".int8.onnx"))
    return ExportResult(output, config, verification, int8, verify_in_piper(int8, checkpoint) if verify else None)
