"""Request keys and descriptions of image and audio requests are those of runs made before ``MediaPart``.

The constants below were computed on the tree before media parts were unified
(ImagePart/AudioPart): if one changes, every cached response of every existing
run misses.
"""

from __future__ import annotations

import pytest

from evals.hashing import bytes_hash
from evals.requests import GenerationSettings, MediaPart, Message, Request, TextPart, describe_messages

_IMG = b"\x89PNG\r\n\x1a\n" + b"x" * 40
_AUD = b"fLaC" + b"y" * 40

VQAV2_TASK = """
name: vqav2_pin
modality: image
kind: vqa
dataset: {path: lmms-lab/VQAv2, split: validation}
fields:
  id: question_id
  image: image
  question: question
  references: answers[*].answer
  subgroups: [answer_type]
prompt:
  user: "<image>\\n{{ question }}\\nAnswer the question using a single word or phrase."
generation: {max_new_tokens: 8}
scorers:
  - name: exact_match
"""


def _image(data: bytes = _IMG) -> MediaPart:
    return MediaPart("image", "image/png", bytes_hash(data), data=data)


def _messages() -> list[Message]:
    audio = MediaPart("audio", "audio/flac", bytes_hash(_AUD), data=_AUD)
    return [Message("system", [TextPart("Be brief.")]),
            Message("user", [_image(), TextPart("What is this?"), audio, _image()])]


def test_image_and_audio_keys_and_descriptions_are_unchanged():
    g = GenerationSettings(max_new_tokens=8, stop=("\n",))
    assert Request(id="1", messages=_messages(), generation=g).key == "9cf558a8ac90efbe51f5f56a759370b7"
    assert describe_messages(_messages()) == [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": [{"type": "image", "sha": "d7c9363ac3aa5ee4"}, {"type": "text", "text": "What is this?"},
                                     {"type": "audio", "sha": "48ada8591927638b"}, {"type": "image", "sha": "d7c9363ac3aa5ee4"}]},
    ]
    text_only = Request(id="2", messages=[Message("user", [TextPart("hi")])], generation=GenerationSettings())
    assert text_only.key == "a61d396fa7d54e2575b9f0725137ece1"


def test_planned_keys_are_unchanged_for_bytes_and_file_cells(tmp_path):
    """Through the planner: a parquet-style cell with bytes, and a file cell (now a lazy file reference)."""
    from evals.data.open import open_dataset
    from evals.run.plan import RequestPlanner
    from evals.spec.catalog import load_task

    (tmp_path / "vqav2_pin.yaml").write_text(VQAV2_TASK)
    spec = load_task(str(tmp_path / "vqav2_pin.yaml"))
    img = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
    row = {"question_type": "x", "multiple_choice_answer": "yes", "answers": [{"answer": "yes", "answer_confidence": "yes", "answer_id": 1}],
           "image_id": 1, "answer_type": "yes/no", "question_id": 7, "question": "Is it red?", "image": {"bytes": img, "path": "a.png"}}
    assert RequestPlanner(spec).plan(0, row).request.key == "f59cbbc8c3bf6e5717ca6927cd6afe0f"

    asr = load_task("harvard_asr")  # audio files in the repository, read by path
    source = open_dataset(asr, None)
    index, first = next(iter(source.rows))
    sample = RequestPlanner(asr, source.columns).plan(index, first)
    assert sample.request.audios[0].path is not None and sample.request.audios[0].data is None
    assert sample.request.key == "fef1766622697a963a1cced27088995d"
    assert sample.describe()[0]["content"][0] == {"type": "audio", "sha": "c7361051bf3c12f7"}


def test_easyvqa_keys_are_unchanged():
    pytest.importorskip("easy_vqa")
    from evals.data.open import open_dataset
    from evals.run.plan import RequestPlanner
    from evals.spec.catalog import load_task

    spec = load_task("easyvqa")
    source = open_dataset(spec, None)
    index, first = next(iter(source.rows))
    sample = RequestPlanner(spec, source.columns).plan(index, first)
    assert (sample.id, sample.request.key) == ("test-0", "1d2aec68ad102e5de3c4075dd6463705")


def test_the_kind_enters_the_key_for_video():
    g = GenerationSettings()
    video = MediaPart("video", "video/mp4", bytes_hash(_IMG), data=_IMG)
    as_video = Request(id="v", messages=[Message("user", [video, TextPart("q")])], generation=g)
    as_image = Request(id="i", messages=[Message("user", [_image(), TextPart("q")])], generation=g)
    assert as_video.key != as_image.key
    assert describe_messages(as_video.messages)[0]["content"][0] == {"type": "video", "sha": bytes_hash(_IMG)}


def test_modality_is_derived_from_the_parts():
    g = GenerationSettings()
    audio = MediaPart("audio", "audio/flac", "a", data=_AUD)
    video = MediaPart("video", "video/mp4", "v", data=b"....")

    def modality(*parts):
        return Request(id="x", messages=[Message("user", [*parts, TextPart("q")])], generation=g).modality

    assert modality() == "text"
    assert modality(_image()) == "image"
    assert modality(audio) == "audio"
    assert modality(video) == "video"
    assert modality(audio, _image()) == "image+audio"
    request = Request(id="x", messages=[Message("user", [video, audio, _image()])], generation=g)
    assert [p.kind for p in request.media_parts] == ["image", "audio", "video"]
    assert (request.images, request.audios, request.videos) == ([_image()], [audio], [video])


def test_a_part_needs_bytes_or_a_file():
    with pytest.raises(ValueError, match="give its bytes or a file path"):
        MediaPart("image", "image/png", "x")


def _part(kind: str) -> MediaPart:
    from evals.requests import VideoSampling

    data = {"image": _IMG, "audio": _AUD, "video": b"\x1aE\xdf\xa3" + b"z" * 40}[kind]
    sampling = VideoSampling(frames=8) if kind == "video" else None
    return MediaPart(kind, f"{kind}/x", bytes_hash(data), data=data, sampling=sampling)


@pytest.mark.parametrize("kind", ["image", "audio", "video"])
def test_every_condition_of_every_medium_has_its_own_request_key_and_decoded_form(kind):
    """A part's identity (content, sampling, condition, mixed-in media) decides both keys: a condition that changed
    what is decoded but not the request key would serve the clean answers from the cache (it once did, for video)."""
    from dataclasses import replace

    from evals.spec.conditions import CONDITIONS

    clean = _part(kind)
    other = MediaPart("audio", "audio/flac", bytes_hash(b"other"), data=b"other")
    variants = [clean] + [replace(clean, condition=f"{name}:{c.default:g}") for name, c in CONDITIONS.items() if c.kind == kind]
    variants += [replace(v, condition=v.condition.replace(":", ":1")) for v in variants[1:]]  # another level of each
    if kind == "audio":
        variants.append(replace(clean, condition="babble:5", mix=(other,)))
    assert len(variants) > 4

    def key(part):
        return Request(id="1", messages=[Message("user", [part, TextPart("Describe it.")])], generation=GenerationSettings()).key

    assert len({key(v) for v in variants}) == len(variants)
    assert len({v.decode_key for v in variants}) == len(variants)


def test_condition_keys_of_image_and_audio_are_unchanged():
    """Pinned before the part's identity was one property: cached responses of conditioned runs still hit."""
    from dataclasses import replace

    def key(part):
        return Request(id="1", messages=[Message("user", [part, TextPart("Describe it.")])], generation=GenerationSettings()).key

    other = MediaPart("audio", "audio/flac", bytes_hash(b"other"), data=b"other")
    assert key(replace(_part("image"), condition="jpeg:10")) == "0a43eacb3747bd05d411bc982f3f03f1"
    assert key(replace(_part("audio"), condition="babble:5", mix=(other,))) == "d079d6d61b4dfa87e445b72f8a5b5f32"
    assert key(_part("video")) == "9033abede78ca664418839a1132f35e6"
