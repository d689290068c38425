"""Tiny, randomly initialised audio-language models of real architectures, saved like Hub checkpoints.

The companion of ``tiny_models``: the same byte-level tokenizer, chat template shape and
weight init, for chat models that take audio (and images: ``TAKES_IMAGES``). ``BUILDERS``
maps a name to ``build_<name>(path)``; Voxtral's processor takes audio only inside
``apply_chat_template`` (the adapter renders its conversations through mistral-common). ``REQUIRES`` names a module a builder needs beyond torch and
transformers (a test skips without it).

Batching (greedy, float32, CPU): left padding of the text never changes an answer, but
Granite Speech, Gemma 3n and Phi-4-multimodal encode a clip differently when it is padded
to a longer clip of the batch (their encoders convolve over the padding), so only clips
of equal sample length batch invariantly (``AUDIO_PADDING_CHANGES_OUTPUTS``); their prompt
lengths do not tell the clips apart (Gemma 3n always inserts 188 audio tokens). The
Qwen2.5-Omni thinker and Voxtral (each clip padded to 30 s on its own) batch any clips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tests.adapters.tiny_models import _save, _seed, _text_kwargs, byte_tokenizer, chat_template


def build_granite_speech(path: Path) -> Path:
    """Granite Speech (audio only). Its feature extractor needs torchaudio (a MelSpectrogram)."""
    from transformers import (Blip2QFormerConfig, GraniteConfig, GraniteSpeechConfig, GraniteSpeechEncoderConfig,
                              GraniteSpeechFeatureExtractor, GraniteSpeechForConditionalGeneration, GraniteSpeechProcessor)

    tok = byte_tokenizer(["<|audio|>"], extra_special={"audio_token": "<|audio|>"})
    n_mels = 80  # the feature extractor saves n_mels inside melspec_kwargs but reloads with its default, 80
    encoder = GraniteSpeechEncoderConfig(input_dim=2 * n_mels, num_layers=2, hidden_dim=32, feedforward_mult=2, num_heads=2,
                                         output_dim=8, context_size=20, max_pos_emb=32, conv_kernel_size=5, dropout=0.0)
    projector = Blip2QFormerConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                                   encoder_hidden_size=32, cross_attention_frequency=1, hidden_dropout_prob=0.0,
                                   attention_probs_dropout_prob=0.0)
    config = GraniteSpeechConfig(text_config=GraniteConfig(**_text_kwargs(len(tok))), encoder_config=encoder,
                                 projector_config=projector, audio_token_index=tok.convert_tokens_to_ids("<|audio|>"),
                                 has_lora_adapter=False, window_size=15, downsample_rate=5)
    _seed()
    model = GraniteSpeechForConditionalGeneration(config).eval()
    fe = GraniteSpeechFeatureExtractor(n_mels=n_mels, projector_window_size=15, projector_downsample_rate=5)
    proc = GraniteSpeechProcessor(audio_processor=fe, tokenizer=tok, audio_token="<|audio|>",
                                  chat_template=chat_template(audio="<|audio|>"))
    return _save(path, model, proc)


def build_qwen2_5_omni(path: Path, thinker_only: bool = True) -> Path:
    """The Qwen2.5-Omni thinker (text out; images and audio in). Its processor holds a video processor (torchvision)."""
    from transformers import (Qwen2_5OmniProcessor, Qwen2_5OmniThinkerConfig, Qwen2_5OmniThinkerForConditionalGeneration,
                              WhisperFeatureExtractor)
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    names = {"image_token": "<|IMAGE|>", "audio_token": "<|AUDIO|>", "video_token": "<|VIDEO|>", "vision_bos_token": "<|vision_bos|>",
             "vision_eos_token": "<|vision_eos|>", "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>"}
    tok = byte_tokenizer(list(names.values()), extra_special=names)
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in names.items()}
    text = _text_kwargs(len(tok), rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0})
    audio = dict(num_mel_bins=128, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=64, d_model=32, output_dim=32,
                 max_source_positions=1500, n_window=100)
    vision = dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, patch_size=8, spatial_merge_size=2, temporal_patch_size=2,
                  window_size=32, out_hidden_size=32, fullatt_block_indexes=[0])
    # get_rope_index finds each image by the token after vision_start_token_id, an attribute the thinker config does not declare.
    config = Qwen2_5OmniThinkerConfig(text_config=text, audio_config=audio, vision_config=vision, audio_token_index=ids["audio_token"],
                                      image_token_index=ids["image_token"], video_token_index=ids["video_token"],
                                      audio_start_token_id=ids["audio_bos_token"], audio_end_token_id=ids["audio_eos_token"],
                                      vision_start_token_id=ids["vision_bos_token"], user_token_id=tok.convert_tokens_to_ids("<|user|>"))
    _seed()
    model = Qwen2_5OmniThinkerForConditionalGeneration(config).eval() if thinker_only else None
    if model is None:
        from transformers import Qwen2_5OmniConfig, Qwen2_5OmniForConditionalGeneration

        # The whole omni model as released (thinker + speech output), its speech modules left out to stay tiny.
        model = Qwen2_5OmniForConditionalGeneration(Qwen2_5OmniConfig(thinker_config=config.to_dict(), enable_audio_output=False)).eval()
    grid = dict(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    template = chat_template(image="<|vision_bos|><|IMAGE|><|vision_eos|>", audio="<|audio_bos|><|AUDIO|><|audio_eos|>")
    proc = Qwen2_5OmniProcessor(image_processor=Qwen2VLImageProcessorPil(**grid), video_processor=Qwen2VLVideoProcessor(**grid),
                                feature_extractor=WhisperFeatureExtractor(feature_size=128), tokenizer=tok, chat_template=template)
    saved = _save(path, model, proc)
    if not thinker_only:  # its from_pretrained also loads the speakers' voice prompts, as the released checkpoint ships them
        import torch

        torch.save({"Chelsie": {"bos_token": 0, "cond": torch.zeros(1, 4), "ref_mel": torch.zeros(1, 4, 4)}}, saved / "spk_dict.pt")
    return saved


def build_qwen2_5_omni_full(path: Path) -> Path:
    """The whole Qwen2.5-Omni model class (``Qwen2_5OmniForConditionalGeneration``), which can speak: the adapter
    generates text with its thinker."""
    return build_qwen2_5_omni(path, thinker_only=False)


def _mobilenet_v5_blocks() -> list:
    """A four-stage MobileNetV5 (one to three blocks a stage, 8 channels): timm's block arguments, JSON-serialisable,
    which ``model_args`` passes to ``timm.create_model("mobilenetv5_300m_enc", block_args=...)`` in place of the 300M stack."""
    from timm.models._efficientnet_builder import decode_arch_def

    # As in the real stack, a stage ends on a convolution block (timm reads a stage's channels off it).
    return decode_arch_def([["er_r1_k3_s2_e4_c8"], ["uir_r1_a3_k5_s2_e4_c8"],
                            ["uir_r1_a5_k5_s2_e4_c8", "mqa_r1_k3_h2_v2_s1_d8_c8", "uir_r1_a0_k0_s1_e2_c8"],
                            ["uir_r1_a5_k5_s2_e4_c8", "mqa_r1_k3_h2_s1_d8_c8", "uir_r1_a0_k0_s1_e2_c8"]])


def build_gemma3n(path: Path) -> Path:
    """Gemma 3n (images and audio). Its vision tower is timm's MobileNetV5 encoder, shrunk through ``model_args``;
    the msfa head always outputs 2048 channels, so the vision hidden size stays 2048."""
    from transformers import (Gemma3nAudioConfig, Gemma3nAudioFeatureExtractor, Gemma3nConfig, Gemma3nForConditionalGeneration,
                              Gemma3nProcessor, Gemma3nTextConfig, Gemma3nVisionConfig)
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    # Gemma 3n's vocabulary: text ids, then the vision tokens' own range, then the audio tokens' (each embedded by
    # its own embedder); the begin-of-image / begin-of-audio markers are text tokens.
    text_specials = ["<start_of_image>", "<start_of_audio>"]
    vision_tokens = ["<end_of_image>", "<image_soft_token>", "<vision_2>", "<vision_3>"]
    audio_tokens = ["<end_of_audio>", "<audio_soft_token>", "<audio_2>", "<audio_3>"]
    names = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>",
             "boa_token": "<start_of_audio>", "eoa_token": "<end_of_audio>", "audio_token": "<audio_soft_token>"}
    # Named tokens passed at construction would be added first; registered afterwards, the ids keep this order.
    tok = byte_tokenizer(text_specials + vision_tokens + audio_tokens)
    tok._set_model_specific_special_tokens(names)
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in names.items()}
    n_text = tok.convert_tokens_to_ids(vision_tokens[0])
    assert [tok.convert_tokens_to_ids(t) for t in vision_tokens + audio_tokens] == list(range(n_text, len(tok)))
    image_tokens, audio_soft_tokens = 4, 188  # 188: a 30 s clip (the processor inserts that many for any clip)
    text = Gemma3nTextConfig(vocab_size=len(tok), vocab_size_per_layer_input=n_text, hidden_size=32, hidden_size_per_layer_input=8,
                             intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                             sliding_window=512, layer_types=["sliding_attention", "full_attention"], num_kv_shared_layers=0,
                             laurel_rank=4, altup_num_inputs=2, activation_sparsity_pattern=[0.0, 0.0], max_position_embeddings=2048,
                             pad_token_id=0, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)

    def timm_args():
        return {"block_args": _mobilenet_v5_blocks(), "stem_size": 8, "msfa_output_resolution": 2}

    vision = Gemma3nVisionConfig(architecture="mobilenetv5_300m_enc", hidden_size=2048, vocab_size=4, vocab_offset=n_text,
                                 model_args=timm_args())
    audio = Gemma3nAudioConfig(vocab_size=4, vocab_offset=n_text + 4, input_feat_size=128, hidden_size=32, conf_num_attention_heads=2,
                               conf_num_hidden_layers=1, sscp_conv_channel_size=[8, 8])
    config = Gemma3nConfig(text_config=text, vision_config=vision, audio_config=audio, audio_soft_tokens_per_image=audio_soft_tokens,
                           vision_soft_tokens_per_image=image_tokens, boi_token_id=ids["boi_token"], eoi_token_id=ids["eoi_token"],
                           image_token_id=ids["image_token"], boa_token_id=ids["boa_token"], eoa_token_id=ids["eoa_token"],
                           audio_token_id=ids["audio_token"], tie_word_embeddings=False)
    _seed()
    model = Gemma3nForConditionalGeneration(config).eval()
    model.config.vision_config.model_args = timm_args()  # timm's builder consumed the block arguments it was given
    ip = SiglipImageProcessorPil(size={"height": 64, "width": 64})
    proc = Gemma3nProcessor(feature_extractor=Gemma3nAudioFeatureExtractor(), image_processor=ip, tokenizer=tok,
                            audio_seq_length=audio_soft_tokens, image_seq_length=image_tokens,
                            chat_template=chat_template(image="<image_soft_token>", audio="<audio_soft_token>"))
    return _save(path, model, proc)


def build_phi4_multimodal(path: Path) -> Path:
    """Phi-4-multimodal (images and audio). Its image processor counts 256 + 16 global tokens (a 32 x 32 patch grid,
    pooled 2 x 2), so the tiny vision tower keeps 32 patches a side: 64 px crops of 2 px patches."""
    from transformers import (Phi4MultimodalAudioConfig, Phi4MultimodalConfig, Phi4MultimodalFeatureExtractor, Phi4MultimodalForCausalLM,
                              Phi4MultimodalImageProcessor, Phi4MultimodalProcessor, Phi4MultimodalVisionConfig)

    names = {"image_token": "<|endoftext10|>", "audio_token": "<|endoftext11|>"}
    tok = byte_tokenizer(list(names.values()), extra_special=names)
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in names.items()}
    vision = Phi4MultimodalVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=64,
                                        patch_size=2, crop_size=64, image_token_id=ids["image_token"], feature_layer=-2)
    audio = Phi4MultimodalAudioConfig(hidden_size=32, intermediate_size=64, num_blocks=2, num_attention_heads=2, ext_pw_out_channel=32,
                                      depthwise_separable_out_channel=32, nemo_conv_channels=32, input_size=80, time_reduction=8,
                                      audio_token_id=ids["audio_token"], feature_layer=-2)
    config = Phi4MultimodalConfig(**_text_kwargs(len(tok)), vision_config=vision, audio_config=audio, tie_word_embeddings=False)
    _seed()
    model = Phi4MultimodalForCausalLM(config).eval()
    ip = Phi4MultimodalImageProcessor(size={"height": 64, "width": 64}, patch_size=2, dynamic_hd=4)
    fe = Phi4MultimodalFeatureExtractor(feature_size=80, audio_compression_rate=8, audio_downsample_rate=1)
    proc = Phi4MultimodalProcessor(image_processor=ip, audio_processor=fe, tokenizer=tok,
                                   chat_template=chat_template(image=names["image_token"], audio=names["audio_token"]))
    return _save(path, model, proc)


# Tekken's pre-tokenizer pattern, as in mistral-common's own tekken files.
_TEKKEN_PATTERN = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|"
                   r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|"
                   r"\s*[\r\n]+|\s+(?!\S)|\s+")


def _tekken_file(path: Path, num_mel_bins: int) -> Path:
    """A mistral-common tekken tokenizer file: the 256 bytes with no merges, 40 special tokens
    (``[AUDIO]`` at id 24, where VoxtralProcessor expects it) and Voxtral's audio settings (12.5 tokens a second,
    clips padded to 30 s)."""
    import base64
    import json

    names = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]",
             "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]", "[SUFFIX]",
             "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"]
    names += [f"<SPECIAL_{i}>" for i in range(20, 24)] + ["[AUDIO]", "[BEGIN_AUDIO]"]
    names += [f"<SPECIAL_{i}>" for i in range(26, 34)] + ["[TRANSCRIBE]"] + [f"<SPECIAL_{i}>" for i in range(35, 40)]
    specials = [{"rank": i, "token_str": t, "is_control": True} for i, t in enumerate(names)]
    vocab = [{"rank": i, "token_bytes": base64.b64encode(bytes([i])).decode(), "token_str": chr(i) if 32 <= i < 127 else None}
             for i in range(256)]
    data = {"config": {"pattern": _TEKKEN_PATTERN, "num_vocab_tokens": 256, "default_vocab_size": 256 + len(names),
                       "default_num_special_tokens": len(names), "version": "v7"},
            "vocab": vocab, "special_tokens": specials,
            "audio": {"sampling_rate": 16000, "frame_rate": 12.5, "chunk_length_s": 30.0,
                      "audio_encoding_config": {"num_mel_bins": num_mel_bins, "hop_length": 160, "window_size": 400}}}
    path.mkdir(parents=True, exist_ok=True)
    (path / "tekken.json").write_text(json.dumps(data))
    return path / "tekken.json"


def build_voxtral(path: Path) -> Path:
    """Voxtral (audio). Its tokenizer is mistral-common's (a tekken.json file); its processor has no chat template
    and takes audio only through ``apply_chat_template(..., tokenize=True)`` with the clip as base64, a path or a URL.
    Each clip is padded to 30 s: 375 audio tokens."""
    from transformers import (LlamaConfig, VoxtralConfig, VoxtralEncoderConfig, VoxtralForConditionalGeneration, VoxtralProcessor,
                              WhisperFeatureExtractor)
    from transformers.tokenization_mistral_common import MistralCommonBackend

    n_mels = 128
    tok = MistralCommonBackend(tokenizer_path=str(_tekken_file(Path(path), n_mels)))
    audio = VoxtralEncoderConfig(hidden_size=32, intermediate_size=128, num_hidden_layers=1, num_attention_heads=2, num_mel_bins=n_mels,
                                 max_source_positions=1500)  # the projector stacks 4 frames: intermediate_size = 4 x hidden_size
    text = LlamaConfig(**{**_text_kwargs(len(tok)), "pad_token_id": 11})
    config = VoxtralConfig(audio_config=audio, text_config=text, audio_token_id=24)
    _seed()
    model = VoxtralForConditionalGeneration(config).eval()
    proc = VoxtralProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=n_mels), tokenizer=tok)
    return _save(path, model, proc)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "granite_speech": build_granite_speech,
    "qwen2_5_omni": build_qwen2_5_omni,
    "qwen2_5_omni_full": build_qwen2_5_omni_full,
    "gemma3n": build_gemma3n,
    "phi4_multimodal": build_phi4_multimodal,
    # No Jinja chat template: the adapter renders its conversations through mistral-common (audio as base64 WAV).
    "voxtral": build_voxtral,
}
REQUIRES = {"granite_speech": "torchaudio", "gemma3n": "timm", "qwen2_5_omni": "torchvision", "qwen2_5_omni_full": "torchvision", "phi4_multimodal": "torchvision",
            "voxtral": "mistral_common"}
TAKES_IMAGES = {"qwen2_5_omni", "qwen2_5_omni_full", "gemma3n", "phi4_multimodal"}
AUDIO_PADDING_CHANGES_OUTPUTS = {"granite_speech", "gemma3n", "phi4_multimodal"}
