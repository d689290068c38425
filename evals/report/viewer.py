"""Sample viewer data for a task page, and the media it shows.

A task page holds every sample of the task (up to ``MAX_PAGE_SAMPLES``, long
texts cut at ``MAX_TEXT`` characters) with each model's prediction, extracted
answer and rule, score, request error or scoring error, and transform variant;
the page paginates and filters them all. Media are copied for a bounded number
of samples (the first N and N that some model got wrong or failed).

Sample records hold only the sha of each image, audio clip or video, so to
show media the task is planned again (``load_task`` -> ``open_dataset`` ->
``RequestPlanner``) for the rows the records name, and a part is written
(``media/<sha>.<ext>``: images as thumbnails, videos a browser plays as they
are, up to a size) only when its sha matches the record: the viewer never
shows media the model did not see. When the data cannot be opened the page
shows text only and says why.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from evals.data.media import MediaError, check_pixels
from evals.requests import DEFAULT_MAX_IMAGE_PIXELS, MediaPart
from evals.files import write_text_atomic
from evals.report.records import AnswerFields, PageFields, read_records
from evals.results import samples_path

_HEX = re.compile(r"^[0-9a-f]{6,64}$")
_AUDIO_EXT = {"audio/flac": "flac", "audio/x-flac": "flac", "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav",
              "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/ogg": "ogg", "audio/webm": "webm"}
_VIDEO_EXT = {"video/mp4": "mp4", "video/webm": "webm", "video/ogg": "ogv", "video/quicktime": "mov"}  # what browsers play
_MAX_AUDIO_BYTES = 2_000_000
_MAX_VIDEO_BYTES = 20_000_000
_CLIP_S = 30.0
THUMB_SIDE = 320


def _prompt_text(prompt: list[dict[str, Any]] | None) -> str:
    if not prompt:
        return ""
    out = []
    for m in prompt:
        texts = [p.get("text", "") if p.get("type") == "text" else f"<{p.get('type')}>" for p in m.get("content", [])]
        out.append((f"[{m.get('role')}] " if m.get("role") != "user" else "") + " ".join(t for t in texts if t))
    return "\n".join(out)


def _media_refs(prompt: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    refs = []
    for m in prompt or []:
        for p in m.get("content", []):
            if p.get("type") in ("image", "audio", "video") and isinstance(p.get("sha"), str) and _HEX.match(p["sha"]):
                refs.append((p["type"], p["sha"]))
    return refs


def _data_dir_from_origin(origin: str, dataset_path: str) -> str | None:
    """A run read from a mirror records ``mirror:<data_dir>/<dataset path>``; recover ``data_dir``."""
    if not origin.startswith("mirror:"):
        return None
    local = Path(origin[len("mirror:"):])
    parts = Path(dataset_path).parts
    if tuple(local.parts[-len(parts):]) == tuple(parts):
        return str(Path(*local.parts[: -len(parts)]))
    return None


def _write_image(data: bytes, path: Path) -> None:
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise MediaError(str(e)) from None
    with im:
        im.draft(None, (THUMB_SIDE, THUMB_SIDE))  # a large JPEG decodes at a reduced scale
        check_pixels(im.size, DEFAULT_MAX_IMAGE_PIXELS)  # a decompression bomb is not decoded
        im = im.convert("RGBA") if im.mode in ("P", "LA") else im.convert("RGB") if im.mode not in ("RGB", "RGBA", "L") else im
        im.thumbnail((THUMB_SIDE, THUMB_SIDE))
        buf = io.BytesIO()
        im.save(buf, format="PNG")
    write_text_atomic(path, buf.getvalue())


def _write_audio(data: bytes, mime: str, media_dir: Path, sha: str) -> str:
    ext = _AUDIO_EXT.get(mime)
    if ext and len(data) <= _MAX_AUDIO_BYTES:
        name = f"{sha}.{ext}"
        write_text_atomic(media_dir / name, data)  # task pages are written in parallel: one media file may come twice
        return name
    # Long or unusual audio: a short WAV clip, so the page stays small and plays everywhere.
    import soundfile as sf

    array, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False, frames=-1)
    array = array[: int(_CLIP_S * rate)]
    name = f"{sha}.wav"
    buf = io.BytesIO()
    sf.write(buf, array, rate, format="WAV", subtype="PCM_16")
    write_text_atomic(media_dir / name, buf.getvalue())
    return name


def _write_video(part: MediaPart, media_dir: Path) -> str | None:
    """The video as it is, when a browser can play it and it is small enough for a page; else None."""
    ext = _VIDEO_EXT.get(part.mime)
    if ext is None or part.nbytes > _MAX_VIDEO_BYTES:
        return None
    name = f"{part.sha}.{ext}"
    write_text_atomic(media_dir / name, part.read())
    return name


def _write_part(part: MediaPart, media_dir: Path) -> str | None:
    """Write one part under ``media_dir``; its file name, or None when it is not shown."""
    if part.frame is not None:  # a frame of a video: its video is not shown as an image
        return None
    if part.kind == "image":
        _write_image(part.read(), media_dir / f"{part.sha}.png")
        return f"{part.sha}.png"
    if part.kind == "audio":
        return _write_audio(part.read(), part.mime, media_dir, part.sha)
    return _write_video(part, media_dir)


def task_spec(task: str, run_dir: str | None = None):
    """The spec of ``task``: from the catalogue, else from the file the run recorded (a task brought with --task-file)."""
    from evals.results import read_manifest
    from evals.spec.catalog import recorded_spec

    return recorded_spec(task, read_manifest(run_dir).tasks.get(task) if run_dir else None)


def extract_media(task: str, wanted: dict[int, tuple[str, set[str]]], media_dir: Path,
                  data_dir: str | None, run_dir: str | None = None) -> tuple[dict[str, str], str | None]:
    """Write the media of the wanted rows (``{row index: (sample id, {sha})}``); ``({sha: file name}, why not)``."""
    if not wanted:
        return {}, None
    try:
        from evals.data.open import open_dataset
        from evals.run.plan import RequestPlanner

        spec = task_spec(task, run_dir)
    except Exception as e:  # noqa: BLE001 - any failure means "no media", said on the page
        return {}, f"task {task!r} cannot be loaded here ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''})"
    try:
        source = open_dataset(spec, data_dir)
        planner = RequestPlanner(spec, source.columns)
        media_dir.mkdir(parents=True, exist_ok=True)
        files: dict[str, str] = {}
        mismatched = 0
        last = max(wanted)
        for index, row in source.rows:
            if index in wanted:
                sample_id, shas = wanted[index]
                sample = planner.plan(index, row)
                if sample.request is None or sample.id != sample_id:
                    mismatched += 1
                else:
                    for part in sample.request.media_parts:
                        if part.sha not in shas or part.sha in files:
                            continue
                        try:
                            name = _write_part(part, media_dir)
                        except MediaError:
                            name = None  # a decompression bomb: not shown, the page goes on
                        if name is not None:
                            files[part.sha] = name
            if index >= last:
                break
    except Exception as e:  # noqa: BLE001
        return {}, f"the data of task {task!r} could not be opened ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''})"
    missing = sum(len(s) for _, s in wanted.values()) - sum(1 for _, s in wanted.values() for x in s if x in files)
    why = None
    if missing or mismatched:
        why = f"{missing} media item(s) not found in the data as it is now (the dataset or task changed since the run?)"
    return files, why


MAX_TEXT = 2000
"""Characters of a prompt, prediction or reference kept on a task page (the rest is cut, and says so)."""
MAX_PAGE_SAMPLES = 20000
"""Samples a task page holds at most (it says how many it left out)."""


def _clip(text: Any, limit: int = MAX_TEXT) -> str | None:
    if text is None:
        return None
    s = str(text)
    return s if len(s) <= limit else s[:limit] + f"… [{len(s) - limit} more characters]"


def _output(rec: AnswerFields, scorer: str, lower: bool) -> dict[str, Any]:
    """One model's answer to one sample, as the page shows it; keys without a value are left out (page size).

    Called for every record of every model on a task page (450,000 times for 50 runs of 30 tasks): kept plain."""
    stats = rec.scores.get(scorer)
    score = (stats["score"] if "score" in stats else next(iter(stats.values()), None)) if stats else None
    prediction = rec.prediction
    out: dict[str, Any] = {"prediction": prediction if prediction is None or len(prediction) <= MAX_TEXT else _clip(prediction)}
    if rec.error:
        out["error"] = _clip(rec.error, 500)
    elif rec.score_error and not stats:
        out["score_error"] = _clip(rec.score_error, 500)  # left out of the metric: shown as such, not as wrong
    if score is not None:
        out["score"] = score
        if rec.error is None and "score_error" not in out and (score > 0 if lower else score < 1):
            out["wrong"] = True
    if rec.extracted is not None:
        out["extracted"] = _clip(rec.extracted, 500)
    if rec.extraction_rule is not None:
        out["extraction_rule"] = _clip(rec.extraction_rule, 500)
    if rec.explanation is not None:
        out["explanation"] = _clip(rec.explanation, 500)
    return out


def _read_samples(task: str, runs: dict[str, dict[str, Any]], models: list[str], scorer: str,
                  lower: bool) -> dict[str, dict[str, Any]]:
    """Every sample record of ``task`` in each model's run, merged by sample id (outputs aligned with ``models``).

    A sample (prompt, media, references) is read from the first model's records that hold it; the other models' are
    read for their answers alone (``AnswerFields``), and again whole if they hold a sample no model before them did."""
    by_id: dict[str, dict[str, Any]] = {}

    def merge(records: list[AnswerFields], k: int) -> bool:
        for rec in records:
            entry = by_id.get(rec.id)
            if entry is None:
                if not isinstance(rec, PageFields):
                    return False
                entry = by_id[rec.id] = {"id": rec.id, "index": rec.index, "prompt": _clip(_prompt_text(rec.prompt)),
                                         "media": _media_refs(rec.prompt),
                                         "references": [_clip(x, 500) for x in rec.references],
                                         "outputs": [None] * len(models)}
                if rec.choices:
                    entry["choices"] = [_clip(x, 500) for x in rec.choices]
                if rec.variant:
                    entry["variant"] = rec.variant
                    entry["group"] = rec.group or ""
            entry["outputs"][k] = _output(rec, scorer, lower)
        return True

    for k, model in enumerate(models):
        path = samples_path(runs[model]["run_dir"], task)
        if path.is_file() and not merge(read_records(path, AnswerFields if by_id else PageFields), k):
            merge(read_records(path, PageFields), k)  # outputs already set are set again, to the same
    return by_id


def viewer_samples(board: dict[str, Any], task: str, pages_dir: Path, data_dir: str | None = None,
                   media: bool = True, media_samples: int = 50, max_samples: int = MAX_PAGE_SAMPLES) -> dict[str, Any]:
    """The samples shown on ``task``'s page: every sample (up to ``max_samples``) with its prompt, references,
    and each model's prediction, extracted answer, score or error; media for up to ``media_samples`` samples
    from the start and as many again among those some model got wrong or failed.

    ``outputs`` is a list aligned with ``models`` (None where a model has no record of the sample).
    """
    from evals.report.compare import lower_is_better

    v = board["_viewer"][task]
    scorer = v["scorer"]
    lower = lower_is_better(v["metric"], scorer)
    models = sorted(v["runs"])
    by_id = _read_samples(task, v["runs"], models, scorer, lower)
    samples = sorted(by_id.values(), key=lambda s: (s["index"], s["id"]))
    total = len(samples)
    samples = samples[:max_samples]
    with_media = [s for s in samples if s["media"]]
    chosen = with_media[:media_samples]
    failed = [s for s in with_media if any(o and (o.get("wrong") or o.get("error") or o.get("score_error")) for o in s["outputs"])]
    chosen_ids = {s["id"] for s in chosen} | {s["id"] for s in failed[:media_samples]}
    media_files: dict[str, str] = {}
    why: str | None = None
    if media and chosen_ids:
        runs = v["runs"]
        first = runs[models[0]]
        ds_dir = data_dir
        if ds_dir is None:
            try:
                ds_dir = _data_dir_from_origin(first["origin"], task_spec(task, first.get("run_dir")).dataset.path)
            except Exception:  # noqa: BLE001 - extract_media reports the load failure
                ds_dir = None
        wanted: dict[int, tuple[str, set[str]]] = {}
        for s in samples:
            if s["id"] in chosen_ids:
                # Variants of one question share its row and media; the row plans as the question's own id.
                sid = s.get("group") or s["id"]
                wanted.setdefault(s["index"], (sid, set()))[1].update(sha for _, sha in s["media"])
        media_files, why = extract_media(task, wanted, pages_dir / "media", ds_dir, first.get("run_dir"))
    elif not media and with_media:
        why = "media were not extracted (--no-media)"
    for s in samples:
        skipped = media and s["id"] not in chosen_ids
        s["media"] = [{"type": t, "sha": sha, "src": f"media/{media_files[sha]}" if sha in media_files else None,
                       **({"skipped": True} if skipped and sha not in media_files else {})} for t, sha in s["media"]]
    notes = []
    if total > len(samples):
        notes.append(f"this page holds the first {len(samples)} of {total} samples (by index)")
    if media and len(chosen_ids) < len(with_media):
        notes.append(f"media are copied for {len(chosen_ids)} of {len(with_media)} samples: the first {media_samples} and up to "
                     f"{media_samples} that some model answered wrongly or failed (--samples)")
    return {"task": task, "scorer": scorer, "metric": v["metric"], "lower_is_better": lower, "models": models,
            "samples": samples, "n_samples": total, "media_note": why, "notes": notes,
            "has_extracted": any(o and ("extracted" in o or "extraction_rule" in o) for s in samples for o in s["outputs"])}
