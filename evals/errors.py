"""Exceptions that stop a run. Each message says what was wrong and where."""


class OmniEvalError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class SpecError(OmniEvalError):
    """A task or suite definition is invalid (names the file and the key)."""


class DataError(OmniEvalError):
    """A dataset could not be found, opened or mapped onto its task."""


class AdapterError(OmniEvalError):
    """A model adapter could not be created (unknown kind, bad arguments, missing package)."""


class OutOfMemory(Exception):
    """An adapter ran out of accelerator memory on a batch: the engine halves the batch and retries.

    Adapters raise this (translating their backend's error), so the engine never
    matches error messages.
    """
