"""``voxtune.evaluate(...)`` and ``voxtune.export(...)``: subpackages that can also be called."""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable


def make_callable(module_name: str, function: Callable[..., object]) -> None:
    """The module stays the subpackage and, called, runs ``function``.

    Binding the function to ``voxtune.evaluate`` instead would hide the subpackage from attribute lookups:
    ``import voxtune.evaluate.cache as m`` and ``monkeypatch.setattr("voxtune.evaluate....")`` walk
    ``getattr(voxtune, "evaluate")`` and would land on a function. The subpackage calls this itself, at the
    end of its ``__init__``, so it is callable however it was first imported.
    """

    class _CallablePackage(types.ModuleType):
        __call__ = staticmethod(function)
        # inspect would otherwise treat __call__ as a method and drop the first parameter from help().
        __signature__ = inspect.signature(function)

    sys.modules[module_name].__class__ = _CallablePackage
