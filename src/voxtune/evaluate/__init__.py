"""Objective evaluation of voices: ASR round trip, speaker similarity, DNSMOS, MCD, F0, timing.

``evaluate()`` runs everything side by side and writes a report; each metric is also usable on its own.
"""

from voxtune._callable_package import make_callable
from voxtune.evaluate.cache import DiskCache, default_cache_dir
from voxtune.evaluate.checks import audio_flags
from voxtune.evaluate.corpus import CorpusError, CorpusItem, load_corpus
from voxtune.evaluate.dnsmos import DnsmosScore, dnsmos
from voxtune.evaluate.f0 import F0Score, f0_errors
from voxtune.evaluate.mcd import McdScore, mel_cepstral_distortion
from voxtune.evaluate.rate import RateScore, speaking_rate
from voxtune.evaluate.result import METRICS, EvalResult, MetricSpec, UtteranceResult, VoiceResult
from voxtune.evaluate.runner import VoiceLike, evaluate
from voxtune.evaluate.speaker import ResemblyzerEncoder, SpeakerEncoder, SpeakerScores, speaker_similarity
from voxtune.evaluate.testset import Prompt, load_testset
from voxtune.evaluate.textnorm import normalize_for_scoring
from voxtune.evaluate.wer import CorpusErrors, WordErrors, corpus_errors, utterance_errors

__all__ = [
    "METRICS",
    "CorpusError",
    "CorpusErrors",
    "CorpusItem",
    "DiskCache",
    "DnsmosScore",
    "EvalResult",
    "F0Score",
    "McdScore",
    "MetricSpec",
    "Prompt",
    "RateScore",
    "ResemblyzerEncoder",
    "SpeakerEncoder",
    "SpeakerScores",
    "UtteranceResult",
    "VoiceLike",
    "VoiceResult",
    "WordErrors",
    "audio_flags",
    "corpus_errors",
    "default_cache_dir",
    "dnsmos",
    "evaluate",
    "f0_errors",
    "load_corpus",
    "load_testset",
    "mel_cepstral_distortion",
    "normalize_for_scoring",
    "speaker_similarity",
    "speaking_rate",
    "utterance_errors",
]

# Last: the subpackage is complete when it becomes callable.
make_callable(__name__, evaluate)
