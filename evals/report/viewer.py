"""Sample viewer data for a task page, and the media it shows.

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
        im.save(path, format="PNG")


def _write_audio(data: bytes, mime: str, media_dir: Path, sha: str) -> str:
    ext = _AUDIO_EXT.get(mime)
    if ext and len(data) <= _MAX_AUDIO_BYTES:
        name = f"{sha}.{ext}"
        (media_dir / name).write_bytes(data)
        return name
    # Long or unusual audio: a short WAV clip, so the page stays small and plays everywhere.
    import soundfile as sf

    array, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False, frames=-1)
    array = array[: int(_CLIP_S * rate)]
    name = f"{sha}.wav"
    sf.write(media_dir / name, array, rate, format="WAV", subtype="PCM_16")
    return name


def _write_video(part: MediaPart, media_dir: Path) -> str | None:
    """The video as it is, when a browser can play it and it is small enough for a page; else None."""
    ext = _VIDEO_EXT.get(part.mime)
    if ext is None or part.nbytes > _MAX_VIDEO_BYTES:
        return None
    name = f"{part.sha}.{ext}"
    (media_dir / name).write_bytes(part.read())
    return name


def _write_part(part: MediaPart, media_dir: Path) -> str | None:
    """Write one part under ``media_dir``; its file name, or None when it is not shown."""
    if part.kind == "image":
        _write_image(part.read(), media_dir / f"{part.sha}.png")
        return f"{part.sha}.png"
    if part.kind == "audio":
        return _write_audio(part.read(), part.mime, media_dir, part.sha)
    return _write_video(part, media_dir)


def extract_media(task: str, wanted: dict[int, tuple[str, set[str]]], media_dir: Path,
                  data_dir: str | None) -> tuple[dict[str, str], str | None]:
    """Write the media of the wanted rows (``{row index: (sample id, {sha})}``); ``({sha: file name}, why not)``."""
    if not wanted:
        return {}, None
    try:
        from evals.spec.catalog import load_task
        from evals.data.open import open_dataset
        from evals.run.plan import RequestPlanner

        spec = load_task(task)
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


def viewer_samples(board: dict[str, Any], task: str, pages_dir: Path, data_dir: str | None = None,
                   media: bool = True) -> dict[str, Any]:
    """The samples shown on ``task``'s page: prompt, media, references, and each model's prediction and score."""
    from evals.report.compare import lower_is_better

    v = board["_viewer"][task]
    scorer = v["scorer"]
    lower = lower_is_better(v["metric"], scorer)
    models = sorted(v["models"])
    max_n = max((len(k) for k in v["models"].values()), default=0)
    by_id: dict[str, dict[str, Any]] = {}
    for model in models:
        for rec in v["models"][model]:
            sid = str(rec.get("id"))
            entry = by_id.setdefault(sid, {"id": sid, "index": int(rec.get("index", 0)), "prompt": _prompt_text(rec.get("prompt")),
                                           "media": _media_refs(rec.get("prompt")), "references": [str(x) for x in rec.get("references") or []],
                                           "choices": rec.get("choices"), "outputs": {}})
            stats = (rec.get("scores") or {}).get(scorer) or {}
            score = stats.get("score", next(iter(stats.values()), None)) if stats else None
            # A sample this scorer could not score shows as an error too: it was left out of the metric.
            error = rec.get("error") or (f"scoring: {rec['score_error']}" if rec.get("score_error") and not stats else None)
            wrong = error is None and score is not None and (score > 0 if lower else score < 1)
            entry["outputs"][model] = {"prediction": rec.get("prediction"), "error": error, "score": score, "wrong": bool(wrong),
                                       "extracted": rec.get("extracted"), "extraction_rule": rec.get("extraction_rule")}
    samples = sorted(by_id.values(), key=lambda s: (s["index"], s["id"]))[:max_n]
    media_files: dict[str, str] = {}
    why: str | None = None
    if media and any(s["media"] for s in samples):
        runs = v["runs"]
        first = runs[models[0]]
        ds_dir = data_dir
        if ds_dir is None:
            try:
                from evals.spec.catalog import load_task

                ds_dir = _data_dir_from_origin(first["origin"], load_task(task).dataset.path)
            except Exception:  # noqa: BLE001 - extract_media reports the load failure
                ds_dir = None
        wanted = {s["index"]: (s["id"], {sha for _, sha in s["media"]}) for s in samples if s["media"]}
        media_files, why = extract_media(task, wanted, pages_dir / "media", ds_dir)
    elif not media:
        why = "media were not extracted (--no-media)"
    for s in samples:
        s["media"] = [{"type": t, "sha": sha, "src": f"media/{media_files[sha]}" if sha in media_files else None} for t, sha in s["media"]]
    return {"task": task, "scorer": scorer, "metric": v["metric"], "lower_is_better": lower, "models": models,
            "samples": samples, "media_note": why}
