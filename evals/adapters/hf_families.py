"""The model families the ``hf:`` adapter is tested on, and what each needs: the one place for family knowledge.

Each family is keyed by the ``model_type`` of its checkpoint's config (never by a task or a benchmark
name). ``tests/adapters`` builds a tiny random checkpoint of every ``tested`` family from its real
config and processor classes, loads it back through ``hf:<path>`` and checks greedy outputs at batch
size 8 against batch size 1 (float32); a test checks that this table and those checkpoints agree.
``omnieval models`` prints it.

``batching`` is how requests of the family are batched by default: ``padded`` (left padding with
attention masks, proven batch-invariant), ``equal_length`` (only requests with inputs of equal
token length share a batch: padding is proven to change the outputs), ``equal_length_audio``
(requests with audio share a batch only with clips of the same sample count, since the family's
audio encoder convolves over padding; prompts of different lengths and images are padded as usual).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Batching = Literal["padded", "equal_length", "equal_length_audio"]


@dataclass(frozen=True)
class Family:
    name: str
    model_types: tuple[str, ...]
    media: str
    needs: tuple[str, ...] = ()
    """Packages beyond torch and transformers its processor or model imports."""
    batching: Batching = "padded"
    tested: bool = True
    note: str = ""


FAMILIES: tuple[Family, ...] = (
    Family("LLaVA 1.5 / LLaVA-NeXT", ("llava",), "image, several"),
    Family("LLaVA-OneVision", ("llava_onevision",), "image, several", ("torchvision",),
           note="one image is tiled (anyres); several images get their base view each"),
    Family("Qwen2-VL", ("qwen2_vl",), "image, several", ("torchvision",), note="-a min_pixels/max_pixels set the image token budget"),
    Family("Qwen2.5-VL", ("qwen2_5_vl",), "image, several", ("torchvision",), note="-a min_pixels/max_pixels set the image token budget"),
    Family("Qwen3-VL", ("qwen3_vl",), "image, several", ("torchvision",), note="-a min_pixels/max_pixels set the image token budget"),
    Family("GLM-4.1V", ("glm4v",), "image, several", ("torchvision",)),
    Family("GLM-4.5V (MoE)", ("glm4v_moe",), "image, several", ("torchvision",)),
    Family("InternVL (transformers-native)", ("internvl",), "image, several", ("torchvision",)),
    Family("Llama 4 (MoE)", ("llama4",), "image, several", ("torchvision",), note="transformers 5.24.0 cannot run it (excluded)"),
    Family("Mistral 3 / Pixtral", ("mistral3",), "image, several"),
    Family("Gemma 3", ("gemma3",), "image, several"),
    Family("Idefics3", ("idefics3",), "image, several"),
    Family("SmolVLM", ("smolvlm",), "image, several", ("torchvision", "num2words")),
    Family("Kosmos-2", ("kosmos-2",), "image, one", batching="equal_length",
           note="its processor places the image mask assuming no left padding"),
    Family("Qwen2-Audio", ("qwen2_audio",), "audio"),
    Family("Qwen2.5-Omni", ("qwen2_5_omni", "qwen2_5_omni_thinker"), "image, audio", ("torchvision",),
           note="text output: the whole model drops its speech modules and generates with its thinker"),
    Family("Gemma 3n", ("gemma3n",), "image, audio", ("timm",), batching="equal_length_audio",
           note="its audio encoder sees padding: audio batches hold clips of one length"),
    Family("Phi-4-multimodal", ("phi4_multimodal",), "image, audio", ("torchvision",), batching="equal_length_audio",
           note="its audio encoder sees padding: audio batches hold clips of one length"),
    Family("Granite Speech", ("granite_speech",), "audio", ("torchaudio",), batching="equal_length_audio", tested=False,
           note="not tested here: its feature extractor needs torchaudio, which has no build for torch 2.14"),
    Family("Voxtral", ("voxtral",), "audio", ("mistral-common[audio]",),
           note="no Jinja chat template: prompts go through mistral-common, audio as base64 WAV"),
    Family("Whisper", ("whisper",), "audio (speech to text)", note="inputs padded to the 30 s window; long-form past 30 s"),
    Family("wav2vec2 / HuBERT (CTC)", ("wav2vec2", "hubert"), "audio (speech to text)",
           note="equal-length batches when the feature extractor ignores the attention mask"),
)


def family_of(model_type: str | None) -> Family | None:
    """The family a checkpoint's ``model_type`` belongs to, or None (an untested family: it may still work)."""
    return next((f for f in FAMILIES if model_type in f.model_types), None)


def default_batching(model_type: str | None) -> Batching:
    """How this family batches unless the user says otherwise: ``padded`` unless padding is proven to change its outputs."""
    family = family_of(model_type)
    return family.batching if family is not None else "padded"
