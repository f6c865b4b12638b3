"""``voxtune serve``: an OpenAI-compatible HTTP speech server (FastAPI + uvicorn)."""

from voxtune.serve.app import ServeLimits, SpeechRequest, create_app

__all__ = ["ServeLimits", "SpeechRequest", "create_app"]
