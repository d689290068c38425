"""Tiny, randomly initialised InternVL, Mistral 3 (Pixtral), Llama 4 and GLM-4.5V checkpoints.

Built like the fixtures in ``tiny_models`` (byte-level tokenizer, processors constructed from their
classes with small sizes, hidden size 32, one or two layers) and saved so that ``hf:<path>`` loads them
back. Each processor that holds a video processor gets one explicitly (transformers builds video
processors only with torchvision, and refuses a ``None`` one when torchvision is installed).
The MoE text models (Llama 4, GLM-4.5V) route per token with no capacity limit, so padding tokens
are routed too but cannot change a real token's experts: greedy outputs stay batch-invariant.

``BUILDERS`` holds them all (Llama 4 generates on transformers 5.23 and not on 5.24.0, which omnieval excludes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tests.adapters.tiny_models import _save, _seed, _text_kwargs, byte_tokenizer, chat_template


def build_internvl(path: Path) -> Path:
    from transformers import InternVLConfig, InternVLForConditionalGeneration, InternVLProcessor, Qwen2Config
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil
    from transformers.models.internvl.video_processing_internvl import InternVLVideoProcessor

    # The processor reads these names (and their ``*_id``) off the tokenizer.
    names = {"start_image_token": "<img>", "end_image_token": "</img>", "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"}
    tok = byte_tokenizer(list(names.values()), extra_special=names)
    image_id = tok.convert_tokens_to_ids("<IMG_CONTEXT>")
    # 32 px tiles, patch 8: 16 patches, pixel-shuffled (0.5) to 4 tokens per tile.
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    text = Qwen2Config(**_text_kwargs(len(tok)), tie_word_embeddings=False)
    config = InternVLConfig(vision_config=vision, text_config=text, image_token_id=image_id, image_seq_length=4, downsample_ratio=0.5,
                            tie_word_embeddings=False)
    _seed()
    model = InternVLForConditionalGeneration(config).eval()
    ip = GotOcr2ImageProcessorPil(size={"height": 32, "width": 32}, crop_to_patches=True, min_patches=1, max_patches=2)
    vp = InternVLVideoProcessor(size={"height": 32, "width": 32})
    proc = InternVLProcessor(image_processor=ip, tokenizer=tok, video_processor=vp, image_seq_length=4,
                             chat_template=chat_template(image="<IMG_CONTEXT>"))
    return _save(path, model, proc)


def build_mistral3(path: Path) -> Path:
    from transformers import Mistral3Config, Mistral3ForConditionalGeneration, MistralConfig, PixtralProcessor, PixtralVisionConfig
    from transformers.models.pixtral.image_processing_pil_pixtral import PixtralImageProcessorPil

    specials = ["[IMG]", "[IMG_BREAK]", "[IMG_END]"]
    tok = byte_tokenizer(specials, extra_special={"image_token": "[IMG]"})
    # Patch 8 and a 2x2 spatial merge: one [IMG] per 16 px square, a row of them ended by [IMG_BREAK] (last one [IMG_END]).
    vision = PixtralVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=64,
                                 patch_size=8)
    text = MistralConfig(**_text_kwargs(len(tok)), head_dim=16, sliding_window=None, tie_word_embeddings=False)
    config = Mistral3Config(vision_config=vision, text_config=text, image_token_index=tok.convert_tokens_to_ids("[IMG]"),
                            spatial_merge_size=2, vision_feature_layer=-1, tie_word_embeddings=False)
    _seed()
    model = Mistral3ForConditionalGeneration(config).eval()
    ip = PixtralImageProcessorPil(size={"longest_edge": 64}, patch_size={"height": 8, "width": 8})
    proc = PixtralProcessor(image_processor=ip, tokenizer=tok, patch_size=8, spatial_merge_size=2,
                            chat_template=chat_template(image="[IMG]"))
    return _save(path, model, proc)


def build_llama4(path: Path) -> Path:
    from transformers import Llama4Config, Llama4ForConditionalGeneration, Llama4Processor, Llama4TextConfig, Llama4VisionConfig
    from transformers.models.llama4.image_processing_llama4 import Llama4ImageProcessor

    specials = ["<|image|>", "<|image_start|>", "<|image_end|>", "<|patch|>", "<|tile_x_separator|>", "<|tile_y_separator|>"]
    tok = byte_tokenizer(specials, extra_special={"image_token": "<|image|>"})
    ids = {s: tok.convert_tokens_to_ids(s) for s in specials}
    # 32 px tiles, patch 8: 16 patches, pixel-shuffled (0.5) to 4 <|patch|> tokens per tile. The pixel-shuffle MLP takes
    # hidden * 4 channels (= intermediate_size) and maps projector_input_dim -> projector_output_dim (= vision_output_dim).
    vision = Llama4VisionConfig(hidden_size=32, intermediate_size=128, num_hidden_layers=1, num_attention_heads=2, image_size=32,
                                patch_size=8, pixel_shuffle_ratio=0.5, vision_output_dim=32, projector_input_dim=32,
                                projector_output_dim=32)
    # Two MoE layers (4 experts, top-1, plus the shared expert): the first with RoPE (chunked attention), the second NoPE.
    text = Llama4TextConfig(**_text_kwargs(len(tok)), head_dim=16, intermediate_size_mlp=64, num_local_experts=4, num_experts_per_tok=1,
                            interleave_moe_layer_step=1, no_rope_layers=[1, 0], attention_chunk_size=8192, tie_word_embeddings=False)
    # The model scatters image features onto <|patch|> (as Llama 4's 200092); <|image|> only marks the global tile.
    config = Llama4Config(vision_config=vision, text_config=text, image_token_index=ids["<|patch|>"],
                          boi_token_index=ids["<|image_start|>"], eoi_token_index=ids["<|image_end|>"], tie_word_embeddings=False)
    _seed()
    model = Llama4ForConditionalGeneration(config).eval()
    ip = Llama4ImageProcessor(size={"height": 32, "width": 32}, max_patches=4)
    proc = Llama4Processor(image_processor=ip, tokenizer=tok, patch_size=8, pixel_shuffle_ratio=0.5,
                           chat_template=chat_template(image="<|image|>"))
    return _save(path, model, proc)


def build_glm4v_moe(path: Path) -> Path:
    from transformers import Glm4vMoeConfig, Glm4vMoeForConditionalGeneration, Glm4vProcessor
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil
    from transformers.models.glm4v.video_processing_glm4v import Glm4vVideoProcessor

    specials = ["<|begin_of_image|>", "<|end_of_image|>", "<|image|>", "<|begin_of_video|>", "<|end_of_video|>", "<|video|>"]
    tok = byte_tokenizer(specials, extra_special={"image_token": "<|image|>", "video_token": "<|video|>"})
    ids = {s: tok.convert_tokens_to_ids(s) for s in specials}
    # As GLM-4.5V: half the head rotated (partial_rotary_factor 0.5), split over (t, h, w) by mrope_section; the first layer
    # dense, the second MoE (4 routed experts, top-2 from sigmoid scores, one shared expert).
    text = _text_kwargs(len(tok), rope_parameters={"rope_type": "default", "mrope_section": [1, 1, 2], "rope_theta": 10000.0,
                                                   "partial_rotary_factor": 0.5},
                        moe_intermediate_size=32, n_routed_experts=4, num_experts_per_tok=2, n_shared_experts=1, n_group=1,
                        topk_group=1, first_k_dense_replace=1, norm_topk_prob=True)
    vision = dict(depth=1, hidden_size=32, out_hidden_size=32, intermediate_size=64, num_heads=2, patch_size=8, image_size=32,
                  spatial_merge_size=2, temporal_patch_size=2)
    config = Glm4vMoeConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image|>"], video_token_id=ids["<|video|>"],
                            image_start_token_id=ids["<|begin_of_image|>"], image_end_token_id=ids["<|end_of_image|>"],
                            video_start_token_id=ids["<|begin_of_video|>"], video_end_token_id=ids["<|end_of_video|>"])
    _seed()
    model = Glm4vMoeForConditionalGeneration(config).eval()
    ip = Glm4vImageProcessorPil(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    vp = Glm4vVideoProcessor(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    proc = Glm4vProcessor(image_processor=ip, tokenizer=tok, video_processor=vp,
                          chat_template=chat_template(image="<|begin_of_image|><|image|><|end_of_image|>"))
    return _save(path, model, proc)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "internvl": build_internvl,
    "mistral3": build_mistral3,
    # transformers 5.24.0's Llama4ForConditionalGeneration.forward builds its output with ``outputs.image_outputs``,
    # a field the language model's output lacks: every generate raises AttributeError. omnieval excludes 5.24.0.
    "llama4": build_llama4,
    "glm4v_moe": build_glm4v_moe,
}
