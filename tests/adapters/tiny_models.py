"""Tiny, randomly initialised models of real architectures, saved like Hub checkpoints.

Everything is built locally (no Hub): a byte-level BPE tokenizer with no merges
(so any text encodes), image/feature processors constructed from their classes
with small sizes, a chat template per architecture, and configs with hidden
size 32 and one or two layers. ``build(name, root)`` writes the checkpoint to
``root/name`` and returns the path, to be loaded back through ``hf:<path>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

WEIGHT_STD = 0.5
_BYTE_LEVEL_SPECIALS = ["<pad>", "<s>", "</s>"]

# One chat template shape for every fixture: the architecture decides what an
# image / audio part becomes (the token its processor expands).
_TEMPLATE = (
    "{%- for message in messages -%}"
    "<|{{ message['role'] }}|>"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}IMAGE_STR"
    "{%- elif part['type'] == 'audio' -%}AUDIO_STR"
    "{%- elif part['type'] == 'video' -%}VIDEO_STR"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] }}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "<|end|>\n"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}"
)


def chat_template(image: str = "", audio: str = "", video: str = "") -> str:
    return _TEMPLATE.replace("IMAGE_STR", image).replace("AUDIO_STR", audio).replace("VIDEO_STR", video)


def byte_tokenizer(specials: list[str], extra_special: dict[str, str] | None = None, base: list[str] | None = None, **kwargs):
    """A byte-level BPE tokenizer with no merges plus ``specials`` as added special tokens.

    ``base`` replaces the leading special tokens of the vocabulary (Kosmos-2 needs an ``<unk>`` there).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {tok: i for i, tok in enumerate(base or _BYTE_LEVEL_SPECIALS)}
    for ch in alphabet:
        vocab[ch] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    all_specials = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"] + [s for s in specials if s not in vocab]
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        extra_special_tokens=extra_special or {}, **kwargs,
    )
    fast.add_special_tokens({"additional_special_tokens": all_specials})
    return fast


def _text_kwargs(vocab_size: int, **extra) -> dict:
    return dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                num_key_value_heads=1, max_position_embeddings=2048, pad_token_id=0, bos_token_id=1, eos_token_id=2, **extra)


def _save(path: Path, model, processor) -> Path:
    import torch

    # Default init (std 0.02) makes a tiny random model say the same thing for
    # every input; wider weights make outputs depend on the input, so a test
    # comparing batched and single outputs can actually see a difference.
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() >= 2:
                param.normal_(0.0, WEIGHT_STD, generator=generator)
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 2
    model.generation_config.bos_token_id = 1
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path


def _seed() -> None:
    import torch

    torch.manual_seed(0)


def build_llava(path: Path, positions: int = 2048) -> Path:
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    tok = byte_tokenizer(["<image>"], extra_special={"image_token": "<image>"})
    image_id = tok.convert_tokens_to_ids("<image>")
    vision = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    text = LlamaConfig(**{**_text_kwargs(len(tok)), "max_position_embeddings": positions})
    config = LlavaConfig(vision_config=vision, text_config=text, image_token_index=image_id,
                         vision_feature_layer=-1, vision_feature_select_strategy="default")
    _seed()
    model = LlavaForConditionalGeneration(config).eval()
    ip = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    proc = LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=8, vision_feature_select_strategy="default",
                          num_additional_image_tokens=1, chat_template=chat_template(image="<image>"), image_token="<image>")
    return _save(path, model, proc)


def build_qwen2_vl(path: Path) -> Path:
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor  # needs torchvision

    specials = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    tok = byte_tokenizer(specials, extra_special={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"})
    ids = {s: tok.convert_tokens_to_ids(s) for s in specials}
    text = _text_kwargs(len(tok), rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0})
    vision = dict(depth=1, embed_dim=32, hidden_size=32, num_heads=2, mlp_ratio=2, patch_size=8, spatial_merge_size=2, temporal_patch_size=2)
    config = Qwen2VLConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
                           vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"])
    model = Qwen2VLForConditionalGeneration(config).eval()
    ip = Qwen2VLImageProcessorPil(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    vp = Qwen2VLVideoProcessor(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    proc = Qwen2VLProcessor(image_processor=ip, video_processor=vp, tokenizer=tok,
                            chat_template=chat_template(image="<|vision_start|><|image_pad|><|vision_end|>"))
    return _save(path, model, proc)


def build_idefics3(path: Path) -> Path:
    from transformers import Idefics3Config, Idefics3ForConditionalGeneration, Idefics3Processor, LlamaConfig
    from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil

    tok = byte_tokenizer(["<image>", "<fake_token_around_image>", "<global-img>", "<end_of_utterance>"],
                         extra_special={"image_token": "<image>"})
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    config = Idefics3Config(vision_config=vision, text_config=LlamaConfig(**_text_kwargs(len(tok))).to_dict(),
                            image_token_id=tok.convert_tokens_to_ids("<image>"), scale_factor=2)
    model = Idefics3ForConditionalGeneration(config).eval()
    ip = Idefics3ImageProcessorPil(size={"longest_edge": 64}, max_image_size={"longest_edge": 32}, do_image_splitting=True)
    proc = Idefics3Processor(image_processor=ip, tokenizer=tok, image_seq_len=4, chat_template=chat_template(image="<image>"))
    return _save(path, model, proc)


def build_gemma3(path: Path) -> Path:
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3Processor, Gemma3TextConfig, SiglipVisionConfig
    from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil

    names = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tok = byte_tokenizer(list(names.values()), extra_special=names)
    ids = {k: tok.convert_tokens_to_ids(v) for k, v in names.items()}
    text = Gemma3TextConfig(**{**_text_kwargs(len(tok)), "head_dim": 16, "query_pre_attn_scalar": 16, "sliding_window": 16,
                               "layer_types": ["sliding_attention", "full_attention"], "tie_word_embeddings": False})
    vision = SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    config = Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=4, boi_token_index=ids["boi_token"],
                          eoi_token_index=ids["eoi_token"], image_token_index=ids["image_token"],
                          tie_word_embeddings=False)
    model = Gemma3ForConditionalGeneration(config).eval()
    ip = Gemma3ImageProcessorPil(size={"height": 32, "width": 32})
    proc = Gemma3Processor(image_processor=ip, tokenizer=tok, image_seq_length=4, chat_template=chat_template(image="<start_of_image>"))
    return _save(path, model, proc)


def build_glm4v(path: Path) -> Path:
    from transformers import Glm4vConfig, Glm4vForConditionalGeneration, Glm4vProcessor
    from transformers.models.glm4v.image_processing_pil_glm4v import Glm4vImageProcessorPil
    from transformers.models.glm4v.video_processing_glm4v import Glm4vVideoProcessor  # needs torchvision

    specials = ["<|begin_of_image|>", "<|end_of_image|>", "<|image|>", "<|begin_of_video|>", "<|end_of_video|>", "<|video|>"]
    tok = byte_tokenizer(specials, extra_special={"image_token": "<|image|>", "video_token": "<|video|>"})
    ids = {s: tok.convert_tokens_to_ids(s) for s in specials}
    text = _text_kwargs(len(tok), rope_parameters={"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0,
                                                   "partial_rotary_factor": 1.0})
    vision = dict(depth=1, hidden_size=32, out_hidden_size=32, intermediate_size=64, num_heads=2, patch_size=8, image_size=32,
                  spatial_merge_size=2, temporal_patch_size=2)
    config = Glm4vConfig(text_config=text, vision_config=vision, image_token_id=ids["<|image|>"], video_token_id=ids["<|video|>"],
                         image_start_token_id=ids["<|begin_of_image|>"], image_end_token_id=ids["<|end_of_image|>"],
                         video_start_token_id=ids["<|begin_of_video|>"], video_end_token_id=ids["<|end_of_video|>"])
    model = Glm4vForConditionalGeneration(config).eval()
    ip = Glm4vImageProcessorPil(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    vp = Glm4vVideoProcessor(size={"shortest_edge": 16 * 16, "longest_edge": 64 * 64}, patch_size=8, merge_size=2, temporal_patch_size=2)
    proc = Glm4vProcessor(image_processor=ip, video_processor=vp, tokenizer=tok,
                          chat_template=chat_template(image="<|begin_of_image|><|image|><|end_of_image|>"))
    return _save(path, model, proc)


def build_kosmos2(path: Path) -> Path:
    from transformers import Kosmos2Config, Kosmos2ForConditionalGeneration, Kosmos2Processor
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    # Kosmos-2's processor puts its image placeholders at the ids right after <unk>.
    tok = byte_tokenizer([], base=_BYTE_LEVEL_SPECIALS + ["<unk>"], unk_token="<unk>")
    ip = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    # Kosmos-2 places the image itself, before the text: the template leaves image parts empty.
    proc = Kosmos2Processor(image_processor=ip, tokenizer=tok, num_patch_index_tokens=16)
    proc.chat_template = proc.tokenizer.chat_template = chat_template(image="")
    text = dict(vocab_size=len(proc.tokenizer), embed_dim=32, layers=2, ffn_dim=64, attention_heads=2, pad_token_id=0, bos_token_id=1,
                eos_token_id=2, dropout=0.0, attention_dropout=0.0, tie_word_embeddings=False)
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    config = Kosmos2Config(text_config=text, vision_config=vision, latent_query_num=64, tie_word_embeddings=False)
    model = Kosmos2ForConditionalGeneration(config).eval()
    return _save(path, model, proc)


def _whisper_tokenizer():
    from tokenizers import pre_tokenizers
    from transformers import WhisperTokenizer

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    vocab["<|endoftext|>"] = len(vocab)
    specials = ["<|startoftranscript|>", "<|en|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
                "<|nocaptions|>", "<|notimestamps|>"] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    for s in specials:
        vocab[s] = len(vocab)
    tok = WhisperTokenizer(vocab=vocab, merges=[])
    tok.add_special_tokens({"additional_special_tokens": specials[:8]})
    tok.add_tokens(specials[8:])
    return tok, vocab


def build_whisper(path: Path) -> Path:
    from transformers import GenerationConfig, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperProcessor

    tok, vocab = _whisper_tokenizer()
    eot, sot = vocab["<|endoftext|>"], vocab["<|startoftranscript|>"]
    config = WhisperConfig(vocab_size=len(vocab), d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                           decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, num_mel_bins=80,
                           max_source_positions=1500, max_target_positions=448, pad_token_id=eot, bos_token_id=eot,
                           eos_token_id=eot, decoder_start_token_id=sot, begin_suppress_tokens=[], suppress_tokens=[])
    model = WhisperForConditionalGeneration(config).eval()
    gc = GenerationConfig(
        decoder_start_token_id=sot, eos_token_id=eot, pad_token_id=eot, bos_token_id=eot, is_multilingual=True,
        lang_to_id={"<|en|>": vocab["<|en|>"]}, task_to_id={"transcribe": vocab["<|transcribe|>"], "translate": vocab["<|translate|>"]},
        no_timestamps_token_id=vocab["<|notimestamps|>"], prev_sot_token_id=vocab["<|startofprev|>"], max_initial_timestamp_index=50,
        begin_suppress_tokens=[], suppress_tokens=[], max_length=448, return_timestamps=False,
    )
    model.generation_config = gc
    proc = WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80), tokenizer=tok)
    return _save_whisper(path, model, proc)


def _save_whisper(path: Path, model, processor) -> Path:
    import torch

    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() >= 2:
                param.normal_(0.0, WEIGHT_STD, generator=generator)
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path


def build_wav2vec2(path: Path) -> Path:
    import json
    import tempfile

    from transformers import Wav2Vec2Config, Wav2Vec2CTCTokenizer, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC, Wav2Vec2Processor

    letters = ["<pad>", "<s>", "</s>", "<unk>", "|"] + [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["'"]
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = Path(tmp) / "vocab.json"
        vocab_file.write_text(json.dumps({t: i for i, t in enumerate(letters)}))
        tok = Wav2Vec2CTCTokenizer(str(vocab_file), unk_token="<unk>", pad_token="<pad>", word_delimiter_token="|")
    fe = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True, return_attention_mask=True)
    config = Wav2Vec2Config(vocab_size=len(letters), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                            conv_dim=(32, 32, 32), conv_stride=(10, 8, 8), conv_kernel=(10, 8, 8), num_conv_pos_embeddings=16,
                            num_conv_pos_embedding_groups=2, feat_extract_norm="layer", do_stable_layer_norm=True, pad_token_id=0,
                            apply_spec_augment=False)
    model = Wav2Vec2ForCTC(config).eval()
    return _save_whisper(path, model, Wav2Vec2Processor(feature_extractor=fe, tokenizer=tok))


def build_qwen2_audio(path: Path) -> Path:
    from transformers import Qwen2AudioConfig, Qwen2AudioForConditionalGeneration, Qwen2AudioProcessor, WhisperFeatureExtractor

    specials = ["<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>"]
    tok = byte_tokenizer(specials, extra_special={"audio_token": "<|AUDIO|>"})
    audio = dict(num_mel_bins=128, d_model=32, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=64, max_source_positions=1500)
    config = Qwen2AudioConfig(audio_config=audio, text_config=_text_kwargs(len(tok)), audio_token_index=tok.convert_tokens_to_ids("<|AUDIO|>"))
    model = Qwen2AudioForConditionalGeneration(config).eval()
    proc = Qwen2AudioProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=128), tokenizer=tok,
                               chat_template=chat_template(audio="<|audio_bos|><|AUDIO|><|audio_eos|>"))
    return _save(path, model, proc)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "llava": build_llava,
    # A judge must hold its grader prompt (MM-Vet's is about 2,350 tokens): servers refuse a longer prompt
    # (transformers serve >= 5.25 answers HTTP 400), so the served judge gets 8,192 positions.
    "llava_8k": lambda path: build_llava(path, positions=8192),
    "qwen2_vl": build_qwen2_vl,
    "idefics3": build_idefics3,
    "gemma3": build_gemma3,
    "glm4v": build_glm4v,
    "kosmos2": build_kosmos2,
    "whisper": build_whisper,
    "wav2vec2": build_wav2vec2,
    "qwen2_audio": build_qwen2_audio,
}
VLMS = ["llava", "qwen2_vl", "idefics3", "gemma3", "glm4v", "kosmos2",
        "qwen2_5_vl", "qwen3_vl", "llava_onevision", "smolvlm", "internvl", "mistral3", "llama4", "glm4v_moe"]


def all_builders() -> dict[str, Callable[[Path], Path]]:
    """Every tiny checkpoint: these, and the families in ``tiny_qwen_family``, ``tiny_more_vlms``, ``tiny_audio_llms``."""
    from tests.adapters import tiny_audio_llms, tiny_more_vlms, tiny_qwen_family

    return {**BUILDERS, **tiny_qwen_family.BUILDERS, **tiny_more_vlms.BUILDERS, **tiny_audio_llms.BUILDERS}


def build(name: str, root: Path) -> Path:
    """``root/name``, built on first use. Several test processes may share ``root`` (the xdist workers do): a model is
    built in a folder of its own and renamed into place whole, so no process loads one that another is still writing."""
    import os
    import shutil

    path = Path(root) / name
    if not path.is_dir():
        staging = Path(root) / f".{name}.building-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        all_builders()[name](staging)
        try:
            os.rename(staging, path)
        except OSError:  # another process renamed its build into place first: the same model, keep that one
            shutil.rmtree(staging, ignore_errors=True)
    return path
