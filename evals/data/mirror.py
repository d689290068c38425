"""``omnieval data``: offline mirrors of the catalogue's Hub data sets, and pinned revisions.

``omnieval data mirror TASK... --to DIR`` downloads only the files of the
configs and splits a task reads (plus the dataset card, whose ``configs:``
block tells ``datasets`` how the files map to configs and splits) into
``DIR/<hub path>``, the layout ``--data-dir DIR`` reads. Which files: the
card's ``data_files`` patterns for that config and split when it has them,
else the usual parquet layouts (``<config>/<split>-*``, ``data/<split>-*``).

``omnieval data pin TASK...`` resolves each task's dataset to the Hub's
current commit and writes it as ``dataset.revision`` into the task YAML.

The commands themselves live in ``evals.cli.data``.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from evals.data.patterns import default_patterns, readme_patterns
from evals.errors import DataError
from evals.hub import ensure_hub_or_offline, unreachable_reason


def task_parts(task_name: str) -> list[tuple[str, str | None, str]]:
    from evals.spec.catalog import load_task
    from evals.data.loaders import parts_of

    return parts_of(load_task(task_name))


def _hub_failure(task: str, repo: str, err: Exception) -> DataError:
    name = type(err).__name__
    text = str(err).splitlines()[0][:200] if str(err) else name
    if "Gated" in name or "401" in text or "403" in text:
        return DataError(f"task {task}: dataset {repo} is gated: accept its terms on huggingface.co/datasets/{repo} and set HF_TOKEN ({text})")
    if "RepositoryNotFound" in name or "404" in text:
        return DataError(f"task {task}: dataset {repo} was not found on the Hub (private, renamed or misspelt?): {text}")
    offline = unreachable_reason()
    if offline or "Offline" in name or "Connect" in name or "offline" in text.lower():
        return DataError(f"task {task}: cannot reach the Hub for {repo}: {offline or text}; "
                         f"run `omnieval data mirror`/`pin` on a machine with network access (copy the mirror over and pass --data-dir DIR)")
    return DataError(f"task {task}: could not fetch {repo}: {name}: {text}")


def mirror_task(task_name: str, to: Path, revision_override: str | None = None) -> list[Path]:
    """Download the files ``task_name`` reads into ``to/<hub path>``; returns the repo directories written."""
    from huggingface_hub import hf_hub_download, snapshot_download

    from evals.data.loader_files import LOADER_FILES, loader_files, unpack_archives
    from evals.spec.catalog import load_task

    from evals.data.loaders import NOT_ON_THE_HUB

    spec = load_task(task_name)
    if spec.dataset.loader in NOT_ON_THE_HUB:
        raise DataError(f"task {task_name}: {NOT_ON_THE_HUB[spec.dataset.loader].format(ds=spec.dataset)}; `omnieval data mirror` "
                        "fetches from the Hugging Face Hub only")
    written = []
    ensure_hub_or_offline()  # unreachable: offline mode, so the first download fails at once instead of retrying
    for repo, config, split in task_parts(task_name):
        target = Path(to) / repo
        revision = revision_override or (spec.dataset.revision if repo == spec.dataset.path else None)
        try:
            declared = LOADER_FILES.get(spec.dataset.loader or "")
            if declared is not None and declared.whole:  # loader_files below gives all it reads
                patterns = []
            elif (revision or "").startswith("refs/convert/"):  # the Hub's parquet conversion: <config>/<split>/*.parquet, no card
                patterns = default_patterns(config, split)
            else:
                readme = Path(hf_hub_download(repo, "README.md", repo_type="dataset", revision=revision, local_dir=target))
                patterns = readme_patterns(readme.read_text(), config, split) or default_patterns(config, split)
            patterns += loader_files(spec, repo)
            snapshot_download(repo, repo_type="dataset", revision=revision, allow_patterns=["README.md", *patterns], local_dir=target)
            if repo == spec.dataset.path:
                unpack_archives(spec, target)  # archives the loader reads unpacked, as lmms-eval unpacks them
        except DataError:
            raise
        except Exception as e:  # noqa: BLE001 - the Hub client raises many types; each is explained
            raise _hub_failure(task_name, repo, e) from None
        found = [p for p in target.rglob("*") if p.is_file() and any(fnmatch.fnmatch(str(p.relative_to(target)), pat) for pat in patterns)]
        if not found:
            raise DataError(f"task {task_name}: nothing in {repo} matched {patterns} for config {config or 'default'} split {split}; "
                            f"the repo layout may have changed: check its files on the Hub")
        written.append(target)
    return written


def pin_task(task_name: str) -> tuple[str, str | None, str]:
    """Resolve the task's dataset to the Hub's current commit and write it into the YAML; returns (file, old, new)."""
    from huggingface_hub import HfApi

    from evals.spec.catalog import load_task

    spec = load_task(task_name)
    if spec.dataset.loader in ("easyvqa", "easyvqa_caption", "audio_index") or spec.dataset.data_dir:
        raise DataError(f"task {task_name}: its data ships with omnieval or a package; there is no Hub revision to pin")
    ensure_hub_or_offline()
    try:
        sha = HfApi().dataset_info(spec.dataset.path).sha
    except Exception as e:  # noqa: BLE001
        raise _hub_failure(task_name, spec.dataset.path, e) from None
    if not sha:
        raise DataError(f"task {task_name}: the Hub returned no commit for {spec.dataset.path}")
    path = Path(spec.source_file or "")
    path.write_text(set_revision(path.read_text(), sha, where=str(path)))
    return str(path), spec.dataset.revision, sha


def set_revision(yaml_text: str, sha: str, where: str = "task file") -> str:
    """Set ``dataset.revision`` in a task YAML's text, keeping the rest of the file as written."""
    lines = yaml_text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^dataset:\s*$", line)), None)
    if start is None:
        raise DataError(f"{where}: no block-style `dataset:` mapping to write the revision into")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith((" ", "\t"))), len(lines))
    for i in range(start + 1, end):
        m = re.match(r"^(\s+)revision:", lines[i])
        if m:
            lines[i] = f"{m.group(1)}revision: {sha}\n"
            return "".join(lines)
    indent = re.match(r"^(\s+)", lines[start + 1]).group(1) if start + 1 < end else "  "  # type: ignore[union-attr]
    lines.insert(end, f"{indent}revision: {sha}\n")
    return "".join(lines)
