"""Tiny, randomly initialised Qwen2.5-VL, Qwen3-VL, LLaVA-OneVision and SmolVLM checkpoints.

Built like the fixtures in ``tiny_models`` (byte-level tokenizer, processors constructed from their
classes with small sizes, hidden size 32, one or two layers) and saved so that ``hf:<path>`` loads them
back. Each processor that holds a video processor gets one explicitly (transformers builds video
processors only with torchvision, and refuses a ``None`` one when torchvision is installed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tests.adapters.tiny_models import _save, _seed, _text_kwargs, byte_tokenizer, chat_template

_QWEN_SPECIALS = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
_QWEN_VIDEO = "<|vision_start|><|video_pad|><|vision_end|>"
_QWEN_IMAGE = "<|vision_start|><|image_pad|><|vision_end|>"
# min_pixels / max_pixels: a 16x16 image is one merged token, a 64x64 one sixteen.
_QWEN_SIZE = {"shortest_edge": 16 * 16, "longest_edge": 64 * 64}


def _qwen_tokenizer():
    tok = byte_tokenizer(_QWEN_SPECIALS, extra_special={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"})
    return tok, {s: tok.convert_tokens_to_ids(s) for s in _QWEN_SPECIALS}


def build_qwen2_5_vl(path: Path) -> Path:
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    tok, ids = _qwen_tokenizer()
    text = _text_kwargs(len(tok), rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0})
    # Two vision blocks: block 0 uses window attention (window of 32 px = 2x2 merged tokens), block 1 full attention.
    vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=32, patch_size=8, spatial_merge_size=2,
                  temporal_patch_size=2, window_size=32, fullatt_block_indexes=[1])
    config = Qwen2_5_VLConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
                              vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"])
    _seed()
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    ip = Qwen2VLImageProcessorPil(size=_QWEN_SIZE, patch_size=8, merge_size=2, temporal_patch_size=2)
    vp = Qwen2VLVideoProcessor(size=_QWEN_SIZE, patch_size=8, merge_size=2, temporal_patch_size=2)
    proc = Qwen2_5_VLProcessor(image_processor=ip, tokenizer=tok, video_processor=vp, chat_template=chat_template(image=_QWEN_IMAGE, video=_QWEN_VIDEO))
    return _save(path, model, proc)


def build_qwen3_vl(path: Path) -> Path:
    from transformers import Qwen3VLConfig, Qwen3VLForConditionalGeneration, Qwen3VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

    tok, ids = _qwen_tokenizer()
    text = _text_kwargs(len(tok), head_dim=16, rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3],
                                                                "mrope_interleaved": True, "rope_theta": 10000.0})
    # Learned position embeddings on an 8x8 grid (interpolated to each image); deepstack from vision block 0.
    vision = dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=32, patch_size=8, spatial_merge_size=2,
                  temporal_patch_size=2, num_position_embeddings=64, deepstack_visual_indexes=[0])
    config = Qwen3VLConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
                           vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"])
    _seed()
    model = Qwen3VLForConditionalGeneration(config).eval()
    ip = Qwen2VLImageProcessorPil(size=_QWEN_SIZE, patch_size=8, merge_size=2, temporal_patch_size=2)
    vp = Qwen3VLVideoProcessor(size=_QWEN_SIZE, patch_size=8, merge_size=2, temporal_patch_size=2)
    proc = Qwen3VLProcessor(image_processor=ip, tokenizer=tok, video_processor=vp, chat_template=chat_template(image=_QWEN_IMAGE, video=_QWEN_VIDEO))
    return _save(path, model, proc)


def build_llava_onevision(path: Path) -> Path:
    from transformers import (LlavaOnevisionConfig, LlavaOnevisionForConditionalGeneration, LlavaOnevisionProcessor, Qwen2Config,
                              SiglipVisionConfig)
    from transformers.models.llava_onevision.image_processing_pil_llava_onevision import LlavaOnevisionImageProcessorPil
    from transformers.models.llava_onevision.video_processing_llava_onevision import LlavaOnevisionVideoProcessor

    tok = byte_tokenizer(["<image>", "<video>"], extra_special={"image_token": "<image>", "video_token": "<video>"})
    ids = {s: tok.convert_tokens_to_ids(s) for s in ("<image>", "<video>")}
    # 32 px tiles of 8 px patches: 16 features per tile (SigLIP has no CLS, so the strategy is "full").
    vision = SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32,
                                patch_size=8, vision_use_head=False)
    pinpoints = [[32, 32], [32, 64], [64, 32], [64, 64]]
    config = LlavaOnevisionConfig(vision_config=vision, text_config=Qwen2Config(**_text_kwargs(len(tok))), image_token_index=ids["<image>"],
                                  video_token_index=ids["<video>"], vision_feature_select_strategy="full", vision_feature_layer=-1,
                                  image_grid_pinpoints=pinpoints, vision_aspect_ratio="anyres_max_4")
    _seed()
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    ip = LlavaOnevisionImageProcessorPil(size={"height": 32, "width": 32}, image_grid_pinpoints=pinpoints)
    vp = LlavaOnevisionVideoProcessor(size={"height": 32, "width": 32})
    proc = LlavaOnevisionProcessor(image_processor=ip, tokenizer=tok, video_processor=vp, num_image_tokens=16,
                                   vision_feature_select_strategy="full", vision_aspect_ratio="anyres_max_4",
                                   chat_template=chat_template(image="<image>", video="<video>"))
    return _save(path, model, proc)


def build_smolvlm(path: Path) -> Path:
    from transformers import LlamaConfig, SmolVLMConfig, SmolVLMForConditionalGeneration, SmolVLMProcessor
    from transformers.models.smolvlm.image_processing_pil_smolvlm import SmolVLMImageProcessorPil
    from transformers.models.smolvlm.video_processing_smolvlm import SmolVLMVideoProcessor

    tok = byte_tokenizer(["<image>", "<fake_token_around_image>", "<global-img>", "<end_of_utterance>"],
                         extra_special={"image_token": "<image>"})
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    config = SmolVLMConfig(vision_config=vision, text_config=LlamaConfig(**_text_kwargs(len(tok))).to_dict(),
                           image_token_id=tok.convert_tokens_to_ids("<image>"), scale_factor=2, pad_token_id=0)
    _seed()
    model = SmolVLMForConditionalGeneration(config).eval()
    # Images are split into 32 px tiles (plus a global view) of 4 tokens each: (32 / 8)^2 / 2^2.
    ip = SmolVLMImageProcessorPil(size={"longest_edge": 64}, max_image_size={"longest_edge": 32}, do_image_splitting=True)
    vp = SmolVLMVideoProcessor(size={"longest_edge": 32}, max_image_size={"longest_edge": 32},
                               video_sampling={"max_frames": 4, "fps": 1, "video_size": {"longest_edge": 32}})
    proc = SmolVLMProcessor(image_processor=ip, tokenizer=tok, video_processor=vp, image_seq_len=4, chat_template=chat_template(image="<image>"))
    return _save(path, model, proc)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "qwen2_5_vl": build_qwen2_5_vl,
    "qwen3_vl": build_qwen3_vl,
    "llava_onevision": build_llava_onevision,
    "smolvlm": build_smolvlm,
}
