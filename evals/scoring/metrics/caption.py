"""Captioning metrics equal to pycocoevalcap 1.2 (COCO caption evaluation).

One scorer, ``caption`` (corpus level), does what ``COCOEvalCap.evaluate``
does: PTB-tokenise predictions and references with Stanford CoreNLP 3.4.1's
``PTBTokenizer`` (the jar shipped in pycocoevalcap, run once per corpus for all
texts), drop punctuation tokens, then compute

- ``bleu_1`` .. ``bleu_4``: corpus BLEU exactly as pycocoevalcap's
  ``BleuScorer.compute_score(option="closest")``: per sample the statistics are
  test length, closest reference length (ties -> shorter), and clipped
  n-gram matches / guesses; the aggregate recomputes corpus BLEU from their
  sums (with pycocoevalcap's ``tiny``/``small`` constants), so bootstrap
  resamples recompute the corpus BLEU;
- ``meteor``: METEOR 1.5 (``meteor-1.5.jar -l en -norm``). The jar's per-sample
  sufficient statistics are kept (``meteor_s0`` .. ``meteor_s22``) and the
  corpus score is recomputed from their sums with Meteor's own formula and
  aggregation rule (a perfectly matched segment adds no chunks), which is what
  the jar's ``EVAL`` returns; tested against pycocoevalcap's ``Meteor``;
- ``rouge_l``: mean per-image ROUGE-L (beta 1.2, max over references);
- ``cider``: mean per-image CIDEr-D (n=4, sigma=6) with document frequencies
  from this corpus' references (so the scorer is ``corpus_level``; bootstrap
  resamples keep the per-image scores);
- ``spice`` (optional) and ``spider = (cider + spice) / 2``: only when the
  Stanford CoreNLP 3.6.0 jars are found (option ``corenlp_dir``, or
  pycocoevalcap's ``spice/lib``). Otherwise every row gets
  ``spice_skipped = 1``, a warning says why, and the aggregate has no
  ``spice``/``spider`` key (never a silent zero).

The jars are run from temporary directories (links to the files inside
pycocoevalcap), so a read-only site-packages is fine. Java must be on PATH
(``apt-get install default-jre-headless``) or given with option ``java``.

Difference from pycocoevalcap, on purpose: besides ``\\n`` (which
pycocoevalcap also replaces), other characters Java treats as line breaks
(``\\r``, ``\\x0b``, ``\\x0c``, ``\\x85``, ``\\u2028``, ``\\u2029``) are replaced by
spaces before tokenising; pycocoevalcap would silently misalign captions.
Per-sample ``score`` is the image's CIDEr-D.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, create_model

from evals.scoring.contract import ScoreInput, Stats, TotalsAggregate, safe_divide, scorer

PUNCTUATIONS = frozenset(["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
                          ".", "?", "!", ",", ":", "-", "--", "...", ";"])  # fmt: skip
_LINE_BREAKS = str.maketrans({c: " " for c in "\n\r\x0b\x0c\x85\u2028\u2029"})
BLEU_N = 4
METEOR_STATS = 23
# Meteor 1.5 defaults for "-l en" (task "default"): alpha, beta, gamma, delta, module weights
METEOR_ALPHA, METEOR_BETA, METEOR_GAMMA, METEOR_DELTA = 0.85, 0.2, 0.6, 0.75
METEOR_WEIGHTS = (1.0, 0.6, 0.8, 0.6)
CIDER_SIGMA = 6.0
SPICE_CORENLP_JARS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")


class CaptionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bleu: bool = True
    meteor: bool = True
    rouge_l: bool = True
    cider: bool = True
    spice: bool = True
    corenlp_dir: str | None = None
    """Folder with stanford-corenlp-3.6.0.jar and -models.jar for SPICE (default: pycocoevalcap's spice/lib)."""
    java: str = "java"


# --------------------------------------------------------------------------- java plumbing


def _pycocoevalcap_dir() -> Path:
    spec = importlib.util.find_spec("pycocoevalcap")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("caption metrics need the 'pycocoevalcap' package (pip install pycocoevalcap==1.2)")
    return Path(list(spec.submodule_search_locations)[0])


def _java(options: CaptionOptions) -> str:
    java = shutil.which(options.java)
    if java is None:
        raise RuntimeError(
            f"Java ({options.java!r}) was not found: the caption metrics need a Java runtime for the "
            "Stanford PTB tokenizer and METEOR (install e.g. 'default-jre-headless')."
        )
    return java


class _LineMemo:
    """Outputs of a Java tool that answers each input line on its own (PTBTokenizer ``-preserveLines``, METEOR's
    ``SCORE`` lines), kept for this process: a line seen before is not sent again, and a call whose lines were all
    seen starts no JVM (a task scored twice, a rescore, a clean and a condition run sharing references). Bounded: the
    oldest lines go first."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.seen: dict[tuple[str, str], Any] = {}

    def run(self, java: str, lines: Sequence[str], tool: Callable[[list[str]], list[Any]]) -> list[Any]:
        missing = list(dict.fromkeys(line for line in lines if (java, line) not in self.seen))
        if missing:
            for line, out in zip(missing, tool(missing), strict=True):
                self.seen[(java, line)] = out
            while len(self.seen) > self.limit:
                del self.seen[next(iter(self.seen))]
        return [self.seen[(java, line)] for line in lines]


_PTB_MEMO = _LineMemo()
_METEOR_MEMO = _LineMemo()


def ptb_tokenize(texts: Sequence[str], java: str = "java") -> list[str]:
    """pycocoevalcap's ``PTBTokenizer``: lower-cased PTB tokens without punctuation, one JVM for all texts not
    tokenized before in this process."""
    if not texts:
        return []
    return _PTB_MEMO.run(java, [t.translate(_LINE_BREAKS) for t in texts], lambda lines: _ptb_tokenize(lines, java))


def _ptb_tokenize(texts: Sequence[str], java: str) -> list[str]:
    jar = _pycocoevalcap_dir() / "tokenizer" / "stanford-corenlp-3.4.1.jar"
    sentences = "\n".join(texts)  # line breaks already made spaces by ptb_tokenize
    with tempfile.TemporaryDirectory(prefix="omnieval-ptb-") as tmp:
        path = Path(tmp) / "captions.txt"
        path.write_bytes(sentences.encode())
        cmd = [java, "-cp", str(jar), "edu.stanford.nlp.process.PTBTokenizer", "-preserveLines", "-lowerCase",
               path.name]  # fmt: skip
        proc = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"PTBTokenizer failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    lines = proc.stdout.decode().split("\n")
    if len(lines) < len(texts):
        raise RuntimeError(f"PTBTokenizer returned {len(lines)} lines for {len(texts)} captions")
    return [" ".join(w for w in line.rstrip().split(" ") if w not in PUNCTUATIONS) for line in lines[: len(texts)]]


# --------------------------------------------------------------------------- BLEU


def _ngram_counts(words: Sequence[str], n: int) -> Counter:
    counts: Counter = Counter()
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            counts[tuple(words[i : i + k])] += 1
    return counts


def bleu_stats(hypothesis: str, references: Sequence[str]) -> Stats:
    """pycocoevalcap ``cook_refs`` + ``cook_test(eff="closest")`` for one image."""
    max_counts: dict[tuple[str, ...], int] = {}
    ref_lens = []
    for ref in references:
        words = ref.split()
        ref_lens.append(len(words))
        for ngram, count in _ngram_counts(words, BLEU_N).items():
            if count > max_counts.get(ngram, 0):
                max_counts[ngram] = count
    words = hypothesis.split()
    testlen = len(words)
    row: Stats = {"bleu_testlen": float(testlen), "bleu_reflen": float(min((abs(l - testlen), l) for l in ref_lens)[1])}
    correct = [0] * BLEU_N
    for ngram, count in _ngram_counts(words, BLEU_N).items():
        correct[len(ngram) - 1] += min(max_counts.get(ngram, 0), count)
    for k in range(BLEU_N):
        row[f"bleu_guess_{k + 1}"] = float(max(0, testlen - k))
        row[f"bleu_correct_{k + 1}"] = float(correct[k])
    return row


def _bleu_from_totals(totals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    small, tiny = 1e-9, 1e-15
    bleu = np.ones_like(totals["bleu_testlen"], dtype=np.float64)
    out = {}
    ratio = (totals["bleu_testlen"] + tiny) / (totals["bleu_reflen"] + small)
    with np.errstate(divide="ignore", over="ignore"):
        brevity = np.where(ratio < 1, np.exp(1 - 1 / ratio), 1.0)
    for k in range(BLEU_N):
        bleu = bleu * (totals[f"bleu_correct_{k + 1}"] + tiny) / (totals[f"bleu_guess_{k + 1}"] + small)
        out[f"bleu_{k + 1}"] = bleu ** (1.0 / (k + 1)) * brevity
    return out


# --------------------------------------------------------------------------- ROUGE-L


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else (prev[j] if prev[j] > cur[j - 1] else cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(hypothesis: str, references: Sequence[str], beta: float = 1.2) -> float:
    """pycocoevalcap ``Rouge.calc_score`` (tokens by ``split(" ")``, max precision and recall over refs)."""
    token_c = hypothesis.split(" ")
    prec, rec = [], []
    for ref in references:
        token_r = ref.split(" ")
        lcs = _lcs(token_r, token_c)
        prec.append(lcs / float(len(token_c)))
        rec.append(lcs / float(len(token_r)))
    p, r = max(prec), max(rec)
    if p != 0 and r != 0:
        return ((1 + beta**2) * p * r) / float(r + beta**2 * p)
    return 0.0


# --------------------------------------------------------------------------- CIDEr-D


def cider_d(hypotheses: Sequence[str], references: Sequence[Sequence[str]], n: int = 4, sigma: float = CIDER_SIGMA) -> list[float]:
    """Per-image CIDEr-D as pycocoevalcap's ``CiderScorer`` (df over this corpus' references)."""
    crefs = [[_ngram_counts(r.split(), n) for r in refs] for refs in references]
    ctest = [_ngram_counts(h.split(), n) for h in hypotheses]
    df: dict[tuple[str, ...], float] = defaultdict(float)
    for refs in crefs:
        for ngram in {g for ref in refs for g in ref}:
            df[ngram] += 1
    ref_len = np.log(float(len(crefs)))
    log_df: dict[tuple[str, ...], float] = {}

    def to_vec(counts: Counter) -> tuple[list[dict], list[float], int]:
        vec: list[dict] = [{} for _ in range(n)]
        norm = [0.0] * n
        length = 0
        for ngram, tf in counts.items():
            d = log_df.get(ngram)
            if d is None:
                d = log_df[ngram] = np.log(max(1.0, df.get(ngram, 0.0)))
            k = len(ngram) - 1
            w = float(tf) * (ref_len - d)
            vec[k][ngram] = w
            norm[k] += pow(w, 2)
            if k == 1:  # sic: pycocoevalcap counts bigrams as the "length"
                length += tf
        return vec, [np.sqrt(x) for x in norm], length

    scores = []
    for test, refs in zip(ctest, crefs):
        vec, norm, length = to_vec(test)
        total = np.zeros(n)
        for ref in refs:
            vec_r, norm_r, length_r = to_vec(ref)
            delta = float(length - length_r)
            val = np.zeros(n)
            for k in range(n):
                vr = vec_r[k]
                acc = 0.0
                for ngram, w in vec[k].items():
                    wr = vr.get(ngram, 0.0)
                    acc += min(w, wr) * wr
                if norm[k] != 0 and norm_r[k] != 0:
                    acc /= norm[k] * norm_r[k]
                val[k] = acc * np.e ** (-(delta**2) / (2 * sigma**2))
            total += val
        scores.append(float(np.mean(total) / len(refs) * 10.0))
    return scores


# --------------------------------------------------------------------------- METEOR


def _link_tree(target: Path, files: dict[str, Path]) -> None:
    for name, src in files.items():
        dst = target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            dst.symlink_to(src)
        except OSError:
            shutil.copy(src, dst)


def meteor_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]], java: str) -> list[list[float]]:
    """METEOR 1.5 sufficient statistics per image (``SCORE`` lines of ``meteor-1.5.jar -stdio -l en -norm``); each
    line is scored on its own, so lines scored before in this process are not sent again."""
    lines = []
    for hyp, refs in zip(hypotheses, references):
        hyp = hyp.replace("|||", "").replace("  ", " ")
        lines.append(" ||| ".join(("SCORE", " ||| ".join(refs), hyp)))
    return _METEOR_MEMO.run(java, lines, lambda todo: _meteor_lines(todo, java))


class _MeteorProcess:
    """One ``meteor-1.5.jar -stdio`` JVM kept for this process and fed ``SCORE`` lines as calls come: starting METEOR
    (its paraphrase table) takes about 10 s, scoring a line a few milliseconds, so a process that scores several
    caption tasks (the quickstart scores two) pays the start once. METEOR answers each line on its own, flushed,
    so the statistics are those of a JVM started for the one call. Lines go in chunks small enough that METEOR's
    answers to a chunk fit in the pipe while the chunk is written (no deadlock); its stderr goes to a file."""

    CHUNK = 64

    def __init__(self, java: str) -> None:
        src = _pycocoevalcap_dir() / "meteor"
        self.pid = os.getpid()
        self.tmp = tempfile.TemporaryDirectory(prefix="omnieval-meteor-")
        _link_tree(Path(self.tmp.name), {"meteor-1.5.jar": src / "meteor-1.5.jar", "data/paraphrase-en.gz": src / "data" / "paraphrase-en.gz"})
        self.stderr = open(Path(self.tmp.name) / "stderr.txt", "wb")  # noqa: SIM115 - open for the JVM's life
        cmd = [java, "-jar", "-Xmx2G", "meteor-1.5.jar", "-", "-", "-stdio", "-l", "en", "-norm"]
        self.proc = subprocess.Popen(cmd, cwd=self.tmp.name, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.proc.poll() is None

    def score(self, lines: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(lines), self.CHUNK):
            chunk = lines[start:start + self.CHUNK]
            try:
                self.proc.stdin.write(("\n".join(chunk) + "\n").encode())
                self.proc.stdin.flush()
                answers = [self.proc.stdout.readline() for _ in chunk]
            except (BrokenPipeError, OSError):
                answers = [b""]
            if any(not a.endswith(b"\n") for a in answers):
                self.close()
                raise RuntimeError(f"METEOR failed ({self.proc.returncode}): {self._stderr_tail()}")
            out += [[float(x) for x in a.split()] for a in answers]
        for s in out:
            if len(s) != METEOR_STATS:
                raise RuntimeError(f"unexpected METEOR statistics line: {s}")
        return out

    def _stderr_tail(self) -> str:
        try:
            return (Path(self.tmp.name) / "stderr.txt").read_bytes().decode(errors="replace")[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        if self.pid != os.getpid():  # a forked child's copy: the JVM is its parent's
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - closing at exit: a JVM that does not stop is killed
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
        self.tmp.cleanup()


_METEOR: dict[str, _MeteorProcess] = {}
_METEOR_LOCK = threading.Lock()


def _meteor_lines(lines: list[str], java: str) -> list[list[float]]:
    with _METEOR_LOCK:
        meteor = _METEOR.get(java)
        if meteor is None or not meteor.alive():
            meteor = _METEOR[java] = _MeteorProcess(java)
        return meteor.score(lines)


@atexit.register
def _close_meteor() -> None:
    for meteor in _METEOR.values():
        meteor.close()
    _METEOR.clear()


def _meteor_perfect(s: dict[str, np.ndarray] | list[float]) -> np.ndarray:
    get = (lambda i: s[f"meteor_s{i}"]) if isinstance(s, dict) else (lambda i: np.asarray(s[i]))
    test_matches = sum(get(4 + 4 * i) + get(6 + 4 * i) for i in range(4))
    ref_matches = sum(get(5 + 4 * i) + get(7 + 4 * i) for i in range(4))
    return (test_matches == get(0)) & (ref_matches == get(1)) & (get(20) == 1)


def meteor_from_stats(s: dict[str, np.ndarray]) -> np.ndarray:
    """Meteor's ``computeMetrics`` on (summed) statistics ``meteor_s0..22`` (arrays)."""
    d = METEOR_DELTA
    g = lambda i: np.asarray(s[f"meteor_s{i}"], dtype=np.float64)  # noqa: E731
    test_len = d * (g(0) - g(2)) + (1.0 - d) * g(2)
    ref_len = d * (g(1) - g(3)) + (1.0 - d) * g(3)
    test_w = sum(g(4 + 4 * i) * METEOR_WEIGHTS[i] * d for i in range(4)) + sum(
        g(6 + 4 * i) * METEOR_WEIGHTS[i] * (1.0 - d) for i in range(4)
    )
    ref_w = sum(g(5 + 4 * i) * METEOR_WEIGHTS[i] * d for i in range(4)) + sum(
        g(7 + 4 * i) * METEOR_WEIGHTS[i] * (1.0 - d) for i in range(4)
    )
    test_matches = sum(g(4 + 4 * i) + g(6 + 4 * i) for i in range(4))
    ref_matches = sum(g(5 + 4 * i) + g(7 + 4 * i) for i in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = test_w / test_len
        recall = ref_w / ref_len
        fmean = 1.0 / (((1.0 - METEOR_ALPHA) / precision) + (METEOR_ALPHA / recall))
        perfect = (test_matches == g(0)) & (ref_matches == g(1)) & (g(20) == 1)
        frag = np.where(perfect, 0.0, g(20) / ((test_matches + ref_matches) / 2))
        score = fmean * (1.0 - METEOR_GAMMA * np.power(frag, METEOR_BETA))
    return np.where(np.isnan(score), 0.0, np.maximum(score, 0.0))


# --------------------------------------------------------------------------- SPICE


def _spice_setup(options: CaptionOptions) -> tuple[Path, dict[str, Path]] | str:
    """(spice jar, files to link) or the reason SPICE cannot run."""
    src = _pycocoevalcap_dir() / "spice"
    lib = Path(options.corenlp_dir) if options.corenlp_dir else src / "lib"
    missing = [j for j in SPICE_CORENLP_JARS if not (lib / j).is_file()]
    if missing:
        return (f"SPICE skipped: Stanford CoreNLP 3.6.0 jars {missing} not found in {str(lib)!r} "
                "(set option corenlp_dir)")  # fmt: skip
    files = {"spice-1.0.jar": src / "spice-1.0.jar"}
    for jar in (src / "lib").glob("*.jar"):
        files[f"lib/{jar.name}"] = jar
    for j in SPICE_CORENLP_JARS:
        files[f"lib/{j}"] = lib / j
    return src / "spice-1.0.jar", files


def spice_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]], options: CaptionOptions, java: str) -> list[float] | str:
    setup = _spice_setup(options)
    if isinstance(setup, str):
        return setup
    _, files = setup
    with tempfile.TemporaryDirectory(prefix="omnieval-spice-") as tmp:
        _link_tree(Path(tmp), files)
        data = [{"image_id": i, "test": h, "refs": list(r)} for i, (h, r) in enumerate(zip(hypotheses, references))]
        (Path(tmp) / "in.json").write_text(json.dumps(data))
        cmd = [java, "-jar", "-Xmx8G", "spice-1.0.jar", "in.json", "-cache", "cache", "-out", "out.json", "-subset", "-silent"]
        proc = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if proc.returncode != 0:
            return f"SPICE skipped: the SPICE jar failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-500:]}"
        results = json.loads((Path(tmp) / "out.json").read_text())
    by_id = {r["image_id"]: r for r in results}
    out = []
    for i in range(len(hypotheses)):
        try:
            out.append(float(by_id[i]["scores"]["All"]["f"]))
        except (KeyError, TypeError, ValueError):
            out.append(float("nan"))
    return out


# --------------------------------------------------------------------------- the scorer


def score_captions(inputs: Sequence[ScoreInput], options: CaptionOptions) -> list[Stats]:
    for item in inputs:
        if not item.references:
            raise ValueError(f"caption: sample {item.id!r} has no reference captions")
    if not inputs:
        return []
    java = _java(options)
    texts = [item.prediction.replace("\n", " ") for item in inputs]
    offsets = []
    for item in inputs:
        offsets.append(len(texts))
        texts.extend(r.replace("\n", " ") for r in item.references)
    tokens = ptb_tokenize(texts, java)
    hyps = tokens[: len(inputs)]
    refs = [tokens[o : o + len(item.references)] for o, item in zip(offsets, inputs)]

    rows: list[Stats] = [{} for _ in inputs]
    if options.bleu:
        for row, h, r in zip(rows, hyps, refs):
            row.update(bleu_stats(h, r))
    if options.meteor:
        for row, s in zip(rows, meteor_stats(hyps, refs, java)):
            row.update({f"meteor_s{i}": v for i, v in enumerate(s)})
            row["meteor"] = float(meteor_from_stats({f"meteor_s{i}": np.asarray(v) for i, v in enumerate(s)}))
            if bool(_meteor_perfect(s)):
                row["meteor_s20"] = 0.0  # Meteor's addStats: a perfect segment adds no chunks
    if options.rouge_l:
        for row, h, r in zip(rows, hyps, refs):
            row["rouge_l"] = rouge_l(h, r)
    if options.cider:
        for row, c in zip(rows, cider_d(hyps, refs)):
            row["cider"] = c
            row["score"] = c
    if options.spice:
        spice = spice_scores(hyps, refs, options, java)
        if isinstance(spice, str):
            warnings.warn(spice, RuntimeWarning, stacklevel=2)
            for row in rows:
                row["spice_skipped"] = 1.0
        else:
            for row, s in zip(rows, spice):
                row["spice"] = s
                row["spice_skipped"] = 0.0
    return rows


_MEAN_COLUMNS = ("rouge_l", "cider", "spice")
_BLEU_COLUMNS = ("bleu_testlen", "bleu_reflen", *(f"bleu_{w}_{k}" for w in ("guess", "correct") for k in range(1, BLEU_N + 1)))
_METEOR_COLUMNS = tuple(f"meteor_s{i}" for i in range(METEOR_STATS))


def _caption_from_totals(totals: dict[str, np.ndarray], n: np.ndarray, options: BaseModel) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if not np.all(np.isnan(totals["bleu_testlen"])):
        out.update(_bleu_from_totals(totals))
    if not np.all(np.isnan(totals["meteor_s0"])):
        # The stored chunk column already holds 0 for perfect segments, so the
        # corpus "perfect" test below sees the same sums as Meteor's addStats.
        out["meteor"] = meteor_from_stats(totals)
    for col in ("rouge_l", "cider"):
        if not np.all(np.isnan(totals[col])):
            out[col] = safe_divide(totals[col], n)
    if not np.all(np.isnan(totals["spice"])) and not np.any(np.nan_to_num(totals["spice_skipped"]) > 0):
        out["spice"] = safe_divide(totals["spice"], n)
        if "cider" in out:
            out["spider"] = (out["cider"] + out["spice"]) / 2
    return out


CAPTION_AGGREGATE = TotalsAggregate((*_BLEU_COLUMNS, *_METEOR_COLUMNS, *_MEAN_COLUMNS, "spice_skipped"), _caption_from_totals)


def _declare(name: str, options: type[BaseModel], primary: str, metrics: tuple[str, ...], description: str) -> None:
    """Every caption scorer runs ``score_captions`` (what it computes is in its options), corpus-level, higher is better."""
    scorer(name, aggregate=CAPTION_AGGREGATE, options=options, primary=primary, metrics=metrics, corpus_level=True,
           description=description, internal_stats=(*_BLEU_COLUMNS, *_METEOR_COLUMNS, "spice_skipped"))(score_captions)  # fmt: skip


def _thin(name: str, parts: dict[str, bool], primary: str, metrics: tuple[str, ...], description: str) -> None:
    """A scorer for some of the caption metrics: ``caption``'s options with other defaults."""
    defaults = {"bleu": False, "meteor": False, "rouge_l": False, "cider": False, "spice": False, **parts}
    options = create_model(  # type: ignore[call-overload]
        f"{name.title().replace('_', '')}Options", __base__=CaptionOptions, **{k: (bool, v) for k, v in defaults.items()}
    )
    _declare(name, options, primary, metrics, description)


_declare("caption", CaptionOptions, "cider", ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider", "spice", "spider"),
         "COCO caption metrics as pycocoevalcap 1.2: BLEU-1..4, METEOR, ROUGE-L, CIDEr-D (+SPICE, SPIDEr).")
_thin("bleu", {"bleu": True}, "bleu_4", ("bleu_1", "bleu_2", "bleu_3", "bleu_4"), "Corpus BLEU-1..4 as pycocoevalcap (PTB-tokenised, closest ref length).")
_thin("cider", {"cider": True}, "cider", ("cider",), "CIDEr-D as pycocoevalcap (PTB-tokenised).")
_thin("meteor", {"meteor": True}, "meteor", ("meteor",), "METEOR 1.5 as pycocoevalcap (PTB-tokenised; needs Java).")
_thin("rouge_l", {"rouge_l": True}, "rouge_l", ("rouge_l",), "ROUGE-L as pycocoevalcap (PTB-tokenised).")
_thin("spice", {"spice": True}, "spice", ("spice",), "SPICE as pycocoevalcap (needs Java and Stanford CoreNLP 3.6.0 jars).")
