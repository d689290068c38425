"""The ``hf:`` adapter on tiny random models of real architectures, saved and loaded like Hub checkpoints."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from evals.adapters.base import create_adapter
from evals.errors import AdapterError
from evals.requests import DecodedMedia, GenerationSettings, MediaPart, Message, Request, TextPart
from tests.adapters.tiny_models import VLMS

_GEN = GenerationSettings(max_new_tokens=6)


def _has_torchvision() -> bool:
    import importlib.util

    return importlib.util.find_spec("torchvision") is not None  # found, not imported: collecting the suite imports no torch


# Processors holding a video processor (Qwen-VL, GLM-4V, InternVL, LLaVA-OneVision, SmolVLM) and Llama 4's image processor
# need torchvision (scripts/setup.sh installs it; elsewhere these tests skip).
_NEEDS_TORCHVISION = {"qwen2_vl", "glm4v", "qwen2_5_vl", "qwen3_vl", "llava_onevision", "smolvlm", "internvl", "llama4", "glm4v_moe"}


def _vlm_param(name):
    marks = [pytest.mark.skipif(not _has_torchvision(), reason="its processor needs torchvision, which is not installed (scripts/setup.sh installs it)")] if name in _NEEDS_TORCHVISION else []
    return pytest.param(name, marks=marks)


def _png(rng, h, w, decoded):
    """An image part, with its decoded form in ``decoded`` as the engine would put it."""
    from PIL import Image

    image = Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    part = MediaPart("image", "image/png", f"{h}x{w}", data=buf.getvalue())
    decoded.put(part, image)
    return part


def image_requests(n=8, multi=True):
    """Requests of different prompt lengths and image sizes; every third has two images when ``multi``."""
    rng = np.random.default_rng(0)
    decoded = DecodedMedia()
    out = []
    for i in range(n):
        images = [_png(rng, 20 + 7 * i, 30 + 5 * k, decoded) for k in range(2 if multi and i % 3 == 2 else 1)]
        out.append(Request(id=str(i), messages=[Message("user", images + [TextPart("What is shown? " + "really " * i)])], generation=_GEN,
                           media=decoded))
    return out


def audio_requests(n=8, long_clip=False):
    rng = np.random.default_rng(1)
    decoded = DecodedMedia()
    out = []
    for i in range(n):
        samples = 16000 * 33 if long_clip and i == n - 1 else 8000 * (1 + i)
        array = (rng.standard_normal(samples) * 0.1).astype(np.float32)
        part = MediaPart("audio", "audio/wav", str(i), data=b"")
        decoded.put(part, (array, 16000))
        out.append(Request(id=str(i), messages=[Message("user", [part, TextPart("Transcribe the speech.")])], generation=_GEN, media=decoded))
    return out


def assert_batch_invariant(adapter, requests):
    """Greedy outputs at batch size 1 equal those at 4 and at 8 (the whole list in one call)."""
    single = [adapter.generate([r])[0] for r in requests]
    fours = [r for k in range(0, len(requests), 4) for r in adapter.generate(requests[k:k + 4])]
    batched = adapter.generate(requests)
    assert all(r.ok for r in single + fours + batched), [r.error for r in single + fours + batched]
    assert [r.text for r in batched] == [r.text for r in single] == [r.text for r in fours]
    # The model must actually react to its input, or equality above proves nothing.
    assert len({r.text for r in single}) >= 3, [r.text for r in single]
    return single, batched


@pytest.mark.parametrize("name", [_vlm_param(n) for n in VLMS])
def test_vlm_greedy_batch_of_8_equals_batch_of_1(hf_adapter, name):
    adapter = hf_adapter(name)
    assert adapter.path == "chat" and adapter.capabilities.image and adapter.capabilities.multi_image
    # Kosmos-2 takes one image per prompt.
    single, batched = assert_batch_invariant(adapter, image_requests(multi=name != "kosmos2"))
    for s, b in zip(single, batched):
        assert s.input_tokens == b.input_tokens and s.input_tokens > 0
        assert 0 <= b.output_tokens <= _GEN.max_new_tokens
        assert b.latency_s > 0


def test_right_padding_would_break_batching(hf_adapter):
    """The control for the test above: with right padding, batched greedy outputs change."""
    adapter = hf_adapter("llava", batching="padded")
    requests = image_requests(multi=False)
    single = [adapter.generate([r])[0].text for r in requests]
    adapter.tokenizer.padding_side = "right"
    try:
        batched = [r.text for r in adapter.generate(requests)]
    finally:
        adapter.tokenizer.padding_side = "left"
    assert batched != single


def test_equal_length_batching_is_batch_invariant(hf_adapter):
    adapter = hf_adapter("idefics3", batching="equal_length")
    assert_batch_invariant(adapter, image_requests())


@pytest.mark.parametrize("name", ["whisper", "wav2vec2", "qwen2_audio"])
def test_audio_greedy_batch_of_8_equals_batch_of_1(hf_adapter, name):
    adapter = hf_adapter(name)
    assert adapter.capabilities.audio and adapter.capabilities.audio_sampling_rate == 16000
    single, batched = assert_batch_invariant(adapter, audio_requests(long_clip=True))
    assert [r.audio_s for r in batched] == [len(r.media.audio(r.audios[0])[0]) / 16000 for r in audio_requests(long_clip=True)]


def _audio_llm(name):
    import importlib.util

    from tests.adapters.tiny_audio_llms import REQUIRES

    module = REQUIRES.get(name)
    missing = module is not None and importlib.util.find_spec(module) is None
    return pytest.param(name, marks=[pytest.mark.skipif(missing, reason=f"its processor or model needs {module}, not installed")])


AUDIO_LLMS = ["qwen2_5_omni", "qwen2_5_omni_full", "gemma3n", "phi4_multimodal", "voxtral", "granite_speech"]


@pytest.mark.parametrize("name", [_audio_llm(n) for n in AUDIO_LLMS])
def test_audio_language_models_batch_invariantly_with_their_familys_batching(hf_adapter, name):
    from tests.adapters.tiny_audio_llms import TAKES_IMAGES

    adapter = hf_adapter(name)
    assert adapter.path == "chat" and adapter.capabilities.audio and adapter.capabilities.audio_sampling_rate == 16000
    assert adapter.capabilities.image == (name in TAKES_IMAGES)
    assert_batch_invariant(adapter, audio_requests())
    if name in TAKES_IMAGES:
        assert_batch_invariant(adapter, image_requests(multi=False))


@pytest.mark.parametrize("name", [_audio_llm(n) for n in ("gemma3n", "phi4_multimodal")])
def test_padding_a_clip_changes_these_audio_encoders_so_a_batch_holds_clips_of_one_length(hf_adapter, name):
    """Why ``hf_families`` gives them ``equal_length_audio``: padded together, clips of other lengths answer differently."""
    from evals.adapters.hf_families import default_batching

    assert default_batching(hf_adapter(name).config.model_type) == "equal_length_audio"
    padded = hf_adapter(name, batching="padded")
    requests = audio_requests()
    single = [padded.generate([r])[0].text for r in requests]
    assert [r.text for r in padded.generate(requests)] != single
    # Clips of one length still batch: prompts of different lengths are padded safely.
    same = audio_requests()
    for k, r in enumerate(same):
        r.media.put(r.audios[0], (r.media.audio(r.audios[0])[0][:8000], 16000))
        r.messages[0].content[1] = TextPart("Transcribe the speech." + " now" * k)
    assert_batch_invariant(hf_adapter(name), same)


def test_whisper_long_form_transcribes_past_30_seconds(hf_adapter):
    adapter = hf_adapter("whisper")
    assert adapter.path == "whisper"
    long = audio_requests(n=1, long_clip=True)[0]
    response = adapter.generate([long])[0]
    assert response.ok and response.audio_s == 33.0


def test_paths_follow_the_checkpoint_config(hf_adapter):
    assert hf_adapter("whisper").path == "whisper"
    assert hf_adapter("wav2vec2").path == "ctc"
    assert hf_adapter("qwen2_audio").path == "chat"
    assert type(hf_adapter("qwen2_audio").model_obj).__name__ == "Qwen2AudioForConditionalGeneration"


def test_bad_requests_are_per_request_errors(hf_adapter):
    adapter = hf_adapter("llava")
    good = image_requests(n=2, multi=False)
    undecoded = Request(id="x", messages=[Message("user", [MediaPart("image", "image/png", "0", data=b""), TextPart("q")])], generation=_GEN)
    video = Request(id="v", messages=[Message("user", [MediaPart("video", "video/mp4", "1", data=b""), TextPart("q")])], generation=_GEN)
    out = adapter.generate([good[0], undecoded, good[1], video])
    assert out[0].ok and out[2].ok
    assert "image part was not decoded" in out[1].error
    assert "video part was not decoded" in out[3].error
    asr = hf_adapter("whisper").generate([Request(id="t", messages=[Message("user", [TextPart("no audio")])], generation=_GEN)])
    assert "exactly one decoded audio part, got 0" in asr[0].error


def test_max_image_side_is_a_capability_and_shrinks_images(hf_adapter):
    adapter = hf_adapter("llava", max_image_side=16)
    assert adapter.capabilities.max_image_side == 16
    assert adapter.generate(image_requests(n=1))[0].ok


def test_stop_strings_cut_the_answer(hf_adapter):
    adapter = hf_adapter("llava")
    request = image_requests(n=1, multi=False)[0]
    full = adapter.generate([request])[0].text
    assert len(full) >= 2
    stopped = Request(id="s", messages=request.messages, generation=_GEN.model_copy(update={"stop": (full[1],)}))
    assert adapter.generate([stopped])[0].text == full[:full.index(full[1])]


def test_unknown_argument_and_missing_model_are_clear_errors(tmp_path):
    with pytest.raises(AdapterError, match="bad_arg: unknown argument"):
        create_adapter("hf:/nowhere", {"bad_arg": 1})
    with pytest.raises(AdapterError, match="no such model directory '/nowhere/model'"):
        create_adapter("hf:/nowhere/model", {})
    (tmp_path / "empty").mkdir()  # a folder that is not a checkpoint
    with pytest.raises(AdapterError, match="cannot load the config of"):
        create_adapter(f"hf:{tmp_path / 'empty'}", {})


_E2E = [("llava", "easyvqa"), ("idefics3", "easyvqa"), ("gemma3", "easyvqa"), ("kosmos2", "easyvqa"), ("whisper", "harvard_asr"),
        ("wav2vec2", "harvard_asr"), ("qwen2_audio", "harvard_asr"),
        *[(name, "easyvqa") for name in ("qwen2_vl", "glm4v", "qwen2_5_vl", "qwen3_vl", "llava_onevision", "smolvlm", "internvl",
                                         "mistral3", "llama4", "glm4v_moe")],
        *[(name, "harvard_asr") for name in ("qwen2_5_omni", "qwen2_5_omni_full", "gemma3n", "phi4_multimodal", "voxtral")]]


@pytest.mark.parametrize(("name", "task"), [pytest.param(n, t, marks=[*_vlm_param(n).marks, *_audio_llm(n).marks]) for n, t in _E2E])
def test_end_to_end_run_through_the_runner(tiny_model, tmp_path, name, task):
    """``hf:/path`` loads like a Hub id and runs a real task through evaluate_model (answers of at most 8 tokens, as
    ``--max-new-tokens 8`` gives: a random model rarely stops by itself, and the length is not what is tested)."""
    from evals.spec.catalog import load_task
    from evals.spec.task import with_generation
    from evals.run.evaluate import evaluate_model
    from evals.results import iter_samples, read_results
    from evals.run.runner import RunOptions

    adapter = create_adapter(f"hf:{tiny_model(name)}", {"batch_size": 4})
    try:
        evaluate_model(adapter, [with_generation(load_task(task), max_new_tokens=8)], tmp_path / "run", None,
                       RunOptions(limit=4, batch_size=4))
    finally:
        adapter.close()
    results = read_results(tmp_path / "run")
    result = results.tasks[task]
    assert (result.n_samples, result.n_errors) == (4, 0)
    records = list(iter_samples(tmp_path / "run", task))
    assert len(records) == 4 and all(r.prediction is not None and r.error is None for r in records)
    assert results.model_fingerprint["model_type"] == json.loads((Path(tiny_model(name)) / "config.json").read_text())["model_type"]


# -- lazy loading: what the adapter knows before its model loads ---------------------------------------------


@pytest.mark.parametrize("name", ["llava", "idefics3", "gemma3", "kosmos2", "whisper", "wav2vec2", "qwen2_audio"])
def test_capabilities_and_fingerprint_come_from_the_checkpoint_files(tiny_model, name):
    """Path, capabilities and fingerprint need no model; once loaded, the processor agrees with its files."""
    from evals.adapters.hf import media_info_from_processor

    adapter = create_adapter(f"hf:{tiny_model(name)}", {"max_image_side": 64})
    caps, fp, path = adapter.capabilities, adapter.fingerprint(), adapter.path
    assert not adapter.loaded
    config = json.loads((Path(tiny_model(name)) / "config.json").read_text())
    assert fp["model_type"] == config["model_type"] and fp["commit"] is None and "batch_size" not in fp["args"]
    assert adapter.media_info == media_info_from_processor(adapter.processor)  # loads the model
    assert adapter.loaded and adapter.capabilities == caps and adapter.path == path


def test_processor_configs_of_older_checkpoints():
    """``preprocessor_config.json`` as older transformers wrote it: one merged object, vision processors once called feature extractors."""
    from evals.adapters.hf import MediaInfo, media_info_from_configs

    clip = {"feature_extractor_type": "CLIPFeatureExtractor", "crop_size": 224, "image_mean": [0.5] * 3, "processor_class": "CLIPProcessor"}
    whisper = {"feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 80, "sampling_rate": 16000, "processor_class": "WhisperProcessor"}
    omni = {"image_processor_type": "Qwen2VLImageProcessor", "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": 128,
            "sampling_rate": 16000, "processor_class": "Qwen2_5OmniProcessor"}
    assert media_info_from_configs([{"processor_class": "LlavaProcessor"}, {"image_processor_type": "CLIPImageProcessor"}]) == MediaInfo(True, False, None)
    assert media_info_from_configs([clip]) == MediaInfo(True, False, None)
    assert media_info_from_configs([whisper]) == MediaInfo(False, True, 16000)
    assert media_info_from_configs([omni]) == MediaInfo(True, True, 16000)
    assert media_info_from_configs([]) == MediaInfo(False, False, None)  # a text-only checkpoint: its processor is the tokenizer


def test_a_hub_snapshot_is_read_without_transformers_and_names_its_commit(tiny_model, tmp_path, monkeypatch):
    """A Hub id resolves through huggingface_hub's cache; the snapshot's commit enters the fingerprint."""
    import shutil

    import huggingface_hub.constants as hub

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--tiny--llava"
    shutil.copytree(tiny_model("llava"), repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)
    adapter = create_adapter("hf:tiny/llava", {})
    assert adapter.fingerprint()["commit"] == commit and adapter.fingerprint()["model_type"] == "llava"
    assert adapter.capabilities.image and not adapter.capabilities.audio and not adapter.loaded


def test_warm_up_loads_in_the_background_and_generate_waits_for_it(tiny_model, monkeypatch):
    from evals.adapters.hf import HFAdapter

    cpu = create_adapter(f"hf:{tiny_model('llava')}", {"device": "cpu"})
    cpu.warm_up()
    assert cpu._loader is None and not cpu.loaded  # on the CPU the first generate loads (measured: no gain from a thread)
    monkeypatch.setattr(HFAdapter, "_load_in_background", lambda self: True)  # as on an accelerator
    adapter = create_adapter(f"hf:{tiny_model('llava')}", {})
    adapter.warm_up()
    assert adapter._loader is not None
    out = adapter.generate(image_requests(n=2, multi=False))
    assert adapter.loaded and all(r.ok for r in out)
    # The load is done; its thread may still be returning (seen once on a loaded machine), so it is joined, not polled.
    adapter._loader.join(60)
    assert not adapter._loader.is_alive()
    adapter.close()
    assert not adapter.loaded and adapter.generate(image_requests(n=1, multi=False))[0].ok  # loads again after close


def test_a_model_that_cannot_load_stops_the_run_once(tiny_model, tmp_path):
    """Without weights the adapter is still created and described; the engine's first batch raises, and the run ends."""
    import shutil

    from evals.adapters.base import ModelUnavailable
    from evals.run.engine import GenerationEngine, Job

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model("llava"), broken)
    (broken / "model.safetensors").unlink()
    adapter = create_adapter(f"hf:{broken}", {})
    assert adapter.capabilities.image and adapter.fingerprint()["model_type"] == "llava"
    engine = GenerationEngine(adapter, None, 4)
    with pytest.raises(ModelUnavailable, match="cannot load"):
        list(engine.run(Job(r) for r in image_requests(n=3, multi=False)))
    with pytest.raises(ModelUnavailable, match="cannot load"):  # remembered, not tried again for every request
        adapter.generate(image_requests(n=1, multi=False))


def test_unreadable_processor_files_make_the_processor_decide_without_the_weights(tiny_model, monkeypatch):
    from evals.adapters import hf

    json_of = hf._Checkpoint.json

    def flaky(self, name):
        if name != "config.json":
            raise hf._Unreadable("503 Service Unavailable")
        return json_of(self, name)

    monkeypatch.setattr(hf._Checkpoint, "json", flaky)
    adapter = create_adapter(f"hf:{tiny_model('qwen2_audio')}", {})
    assert adapter.capabilities.audio and not adapter.capabilities.image
    assert not adapter.loaded  # the processor was loaded for that, the model was not
    assert adapter.generate(audio_requests(n=1))[0].ok


def test_a_reasoning_budget_thinks_up_to_its_tokens_closes_the_thought_then_answers(hf_adapter):
    """Budget forcing: the thought is the model's first N tokens, ``</think>`` is appended when it did not close it,
    and the answer is generated after it within the answer's own budget, batch-invariantly."""
    adapter = hf_adapter("llava")
    plain = adapter.generate(image_requests(n=4, multi=False))  # 6 tokens
    budget = GenerationSettings(max_new_tokens=3, max_reasoning_tokens=6)
    requests = [Request(id=r.id, messages=r.messages, generation=budget, media=r.media) for r in image_requests(n=4, multi=False)]
    single = [adapter.generate([r])[0] for r in requests]
    batched = adapter.generate(requests)
    assert [r.text for r in batched] == [r.text for r in single]
    for p, r in zip(plain, batched):
        assert r.ok and r.reasoning_tokens == 6 and 6 < r.output_tokens <= 9
        thought, answer = r.text.split("\n</think>\n\n")
        assert thought.strip() == p.text.strip()  # the model's own first tokens, unchanged
        assert 0 < len(answer) <= 3 * 4  # byte tokens: at most 3 tokens of answer
    # Without a budget a request keeps the key it had before the setting existed.
    assert "max_reasoning_tokens" not in GenerationSettings(max_new_tokens=3).identity()
    assert requests[0].key != image_requests(n=1, multi=False)[0].key


def test_a_pixel_budget_reaches_processors_that_have_one_and_is_refused_by_the_others(tiny_model):
    qwen = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {"min_pixels": 32 * 32, "max_pixels": 48 * 48})
    size = qwen.processor.image_processor.size
    assert (size.shortest_edge, size.longest_edge) == (32 * 32, 48 * 48)
    assert qwen.fingerprint()["args"]["max_pixels"] == 48 * 48 and all(r.ok for r in qwen.generate(image_requests(n=2)))
    plain = create_adapter(f"hf:{tiny_model('qwen2_vl')}", {})
    assert "max_pixels" not in plain.fingerprint()["args"] and "think_end" not in plain.fingerprint()["args"]  # identities kept
    llava = create_adapter(f"hf:{tiny_model('llava')}", {"max_pixels": 48 * 48})
    with pytest.raises(AdapterError, match=r"-a max_pixels: the image processor of .* does not resize to a pixel range"):
        llava.processor


def test_the_families_table_lists_every_tiny_checkpoint_and_each_tested_family_has_one(tiny_model):
    """``omnieval models`` shows ``hf_families.FAMILIES``: it must say what these tests actually run."""
    from evals.adapters.hf_families import FAMILIES, family_of
    from tests.adapters.tiny_models import all_builders

    types = {}
    for name in all_builders():
        if (name in _NEEDS_TORCHVISION and not _has_torchvision()) or _audio_llm(name).marks[0].args[0]:
            continue  # its builder needs a package that is not installed
        types[name] = json.loads((Path(tiny_model(name)) / "config.json").read_text())["model_type"]
    assert all(family_of(t) is not None for t in types.values()), {n: t for n, t in types.items() if family_of(t) is None}
    if _has_torchvision():
        untested = [f.name for f in FAMILIES if f.tested and not set(f.model_types) & set(types.values())]
        assert not untested, f"families marked tested without a tiny checkpoint: {untested}"


def video_requests(n=4, frames=4):
    """Requests with a video each (different lengths and contents), decoded as the engine would: ``frames`` sampled."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from dataclasses import replace

    from make_fixtures import video_bytes

    from evals.data.media import MediaDecoder, media_part
    from evals.requests import VideoSampling

    decoder, decoded, out = MediaDecoder(sampling_rate=16000), DecodedMedia(), []
    for i in range(n):
        part = replace(media_part("video", video_bytes(n=12 + 6 * i, fps=6, size=(32 + 8 * (i % 2), 24))), sampling=VideoSampling(frames=frames))
        decoded.put(part, decoder.video(part))
        out.append(Request(id=str(i), messages=[Message("user", [part, TextPart("What happens in the video? " + "now " * i)])],
                           generation=_GEN, media=decoded))
    return out


@pytest.mark.parametrize("name", [_vlm_param(n) for n in ("qwen2_5_vl", "qwen3_vl", "llava_onevision", "llava", "gemma3")])
def test_a_video_goes_in_as_video_where_the_processor_takes_it_else_as_its_frames(hf_adapter, name):
    adapter = hf_adapter(name)
    native = name in ("qwen2_5_vl", "qwen3_vl", "llava_onevision")
    assert adapter.capabilities.video == native and adapter.capabilities.image
    single, batched = assert_batch_invariant(adapter, video_requests())
    if not native:  # four frames as four images: more input than one image
        one_image = adapter.generate(image_requests(n=1, multi=False))[0]
        assert single[0].input_tokens > 2 * one_image.input_tokens


def test_whisper_translates_when_the_request_asks_for_english(hf_adapter):
    """``generation.translate_to: en`` puts Whisper's <|translate|> task token in the decoder prompt (transcribe otherwise),
    and a multilingual Whisper declares that it translates into English only."""
    adapter = hf_adapter("whisper")
    assert adapter.capabilities.translation_targets == ("en",)
    vocab = adapter.tokenizer.get_vocab()
    seen: list[list[int]] = []

    def first_decoder_input(module, args, kwargs):  # observes what the decoder is fed; changes nothing
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is not None and ids.shape[1] > 1:
            seen.append(ids[0].tolist())

    hook = adapter.model_obj.model.decoder.register_forward_pre_hook(first_decoder_input, with_kwargs=True)
    prompts = {}
    try:
        for target in ("en", None):
            seen.clear()
            request = audio_requests(n=1)[0]
            request = Request(id="0", messages=request.messages, generation=GenerationSettings(max_new_tokens=2, translate_to=target),
                              media=request.media)
            assert adapter.generate([request])[0].ok
            prompts[target] = seen[0]
    finally:
        hook.remove()
    assert prompts["en"] == [vocab[t] for t in ("<|startoftranscript|>", "<|en|>", "<|translate|>", "<|notimestamps|>")]
    assert prompts[None] == [vocab[t] for t in ("<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>")]
    translate = [Request(id=r.id, messages=r.messages, generation=GenerationSettings(max_new_tokens=6, translate_to="en"), media=r.media)
                 for r in audio_requests(n=2)]
    assert all(r.ok for r in adapter.generate(translate))


def test_only_whisper_checkpoints_translate_without_a_prompt(hf_adapter):
    assert hf_adapter("wav2vec2").capabilities.translation_targets == ()


def test_whisper_is_refused_a_translation_out_of_english_before_the_run(hf_adapter):
    from evals.run.runner import check_supported
    from evals.spec.catalog import load_task

    adapter = hf_adapter("whisper")
    assert check_supported(load_task("covost2_fr_en"), adapter) is None
    why = check_supported(load_task("covost2_en_de"), adapter)
    assert "\n" not in why and why.endswith("takes no prompt and translates speech only into en: it cannot translate into 'de'")
