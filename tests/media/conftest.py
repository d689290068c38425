"""The adapters' tiny checkpoints, for the video tasks that run a real (tiny) model (only where torch is installed)."""

import importlib.util

if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    from tests.adapters.conftest import hf_adapter, tiny_model, tiny_root  # noqa: F401  (fixtures)
