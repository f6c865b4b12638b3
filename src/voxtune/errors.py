"""The base class of errors a user can cause (bad path, bad file, bad config key, unknown voice, empty text).

The CLI prints these as one line and exits non-zero; anything else is a bug and keeps its traceback.
"""


class VoxtuneError(ValueError):
    """An error caused by input the user gave; its message is one self-explanatory line."""
