"""Judging: a model reads each answer and gives a verdict that the task's scorer turns into a score.

A judge is any omnieval model (``--judge openai:NAME -J base_url=...`` or ``hf:PATH``).
Its calls go through its own ``GenerationEngine``, so they are batched, cached
under the judge's fingerprint (a re-run or a rescore pays nothing) and committed
batch by batch (a killed run resumes). A verdict that cannot be had (the call
failed, the judge is down, the reply does not parse) is recorded as the
sample's judge error: the scorer makes it a scoring error, never a zero. A reply
that is not a verdict (``reply_problem``) is never cached, and one a cache holds
from before is not served: the same command run again asks the judge again.

The model's answer is quoted in every judge prompt (``spec/templates.py``
``judge_template``): it cannot end its field, forge a row of the prompt or put an
instruction on a line of its own.

A pairwise judge (a ``pair`` verdict) may be asked in several orders (``judge.orders``:
the reference first, the model's answer first), one request per order; a sample's verdict
is then every order's pair, read the way round it was asked (``read_pairs``), and any
order without a readable reply makes the whole verdict an error.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from evals.adapters.base import ModelUnavailable
from evals.errors import OmniEvalError
from evals.hashing import stable_hash
from evals.requests import GenerationSettings, Message, Request, TextPart
from evals.results import JudgeIdentity, JudgePanelReport, JudgeSummary, JudgeVerdict, SampleRecord
from evals.run.engine import GenerationEngine, Job
from evals.run.plan import format_options
from evals.scoring.metrics.air_bench import Pair, format_pair_reading, pair_stats, parse_score_pair, read_pair_reading
from evals.scoring.metrics.choice import parse_choice
from evals.scoring.isolate import score_samples
from evals.scoring.registry import get_scorer
from evals.scoring.records import prompt_text, record_input
from evals.scoring.stats import krippendorff_alpha
from evals.spec.task import JudgeSpec, TaskSpec, VerdictSpec
from evals.scoring.answers import json_field
from evals.spec.templates import judge_template

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?|[-+]?\.\d+")


def judge_prompt_hash(spec: JudgeSpec) -> str:
    """What the verdicts depend on besides the judge model: prompt, system prompt, verdict rule, length, version."""
    return stable_hash(spec.model_dump())


def parse_choice_verdict(reply: str, verdict: VerdictSpec, choices: Sequence[str]) -> tuple[str | None, str | None]:
    """(letter, None); (None, None) when the judge said no option fits (a ``none`` word); (None, why) otherwise."""
    text = reply.strip()
    if text.strip(" .()[]").upper() in {n.upper() for n in verdict.none}:
        return None, None
    letter, _ = parse_choice(text, choices)
    if letter is None:
        return None, f"judge gave an unparseable verdict {text[:80]!r} (expected an option letter or {' / '.join(verdict.none)})"
    return letter, None


def parse_text_verdict(reply: str, verdict: VerdictSpec) -> str | None:
    """The answer a text verdict extracts: the reply's first non-empty line without ``prefix``; None when it is
    empty or a ``none`` word (the judge found no answer)."""
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    if verdict.prefix and text.lower().startswith(verdict.prefix.lower()):
        text = text[len(verdict.prefix):].strip()
    return None if not text or text.strip(" .").upper() in {n.upper() for n in verdict.none} else text


def to_judge(spec: TaskSpec, records: Sequence[SampleRecord]) -> list[SampleRecord]:
    """The answered records the task's judge reads: all of them, or (``when: unparsed``) those the task's own scorer
    (its first) extracts no answer from by its rules, asked once for the whole chunk."""
    assert spec.judge is not None
    answered = [r for r in records if r.error is None and r.prediction is not None]
    if spec.judge.when == "always" or not answered:
        return answered
    ref = spec.scorers[0]
    scorer = get_scorer(ref.name)
    items = [record_input(r.model_copy(update={"judge": None})) for r in answered]  # answered: never None
    outcomes = score_samples(scorer, items, scorer.parse_options(ref.options))  # type: ignore[arg-type]
    # A sample the scorer cannot take at all is its scoring error, not the judge's business.
    return [r for r, o in zip(answered, outcomes) if o.extracted is None and o.error is None]


def read_pairs(replies: Sequence[str], verdict: VerdictSpec, orders: Sequence[str]) -> tuple[list[Pair] | None, str | None]:
    """Each order's reply (a ``pair`` verdict: two scores in the order the answers were shown) as (reference's score,
    answer's score); ``(None, why)`` when any reply is not a verdict (each reason named by its order when there are several)."""
    pairs, problems = [], []
    for reply, order in zip(replies, orders, strict=True):
        pair, why = parse_score_pair(reply, verdict.min, verdict.max)
        if pair is None:
            problems.append(why if len(orders) == 1 else f"{order.replace('_', ' ')}: {why}")
            continue
        pairs.append((float(pair[0]), float(pair[1])) if order == "reference_first" else (float(pair[1]), float(pair[0])))
    return (None, "; ".join(problems)) if problems else (pairs, None)


def parse_verdict(reply: str, verdict: VerdictSpec) -> tuple[float | None, str | None]:
    """(score, None), or (None, why the reply is not a verdict)."""
    text = reply.strip()
    if verdict.kind == "pair":  # one reference-first reply, "<reference's score> <answer's score>" (the judge reads pairs with read_pairs)
        pair, why = parse_score_pair(text, verdict.min, verdict.max)
        return (float(pair[1]), None) if pair is not None else (None, why)
    if verdict.kind == "scale" and verdict.field:
        value = json_field(text, verdict.field)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not _NUMBER.fullmatch(str(value).strip()):
            return None, f"judge gave an unparseable verdict {text[:80]!r} (expected JSON with a number in {verdict.field!r})"
        text = str(value)
    if verdict.kind == "scale" and verdict.pattern:
        # As MM-MT-Bench's judge is read: the first match of the pattern anywhere in the reply, its first group the score.
        match = re.search(verdict.pattern, text)
        if match is None or match.group(1) is None:
            return None, f"judge gave an unparseable verdict {text[:80]!r} (expected a score matching {verdict.pattern!r})"
        text = match.group(1)
    if verdict.kind == "scale":
        # As MM-Vet's grader reads it: the first word is the number.
        first = text.split()[0].rstrip(".,;") if text.split() else ""
        if not first or not _NUMBER.fullmatch(first):
            return None, f"judge gave an unparseable verdict {text[:80]!r} (expected a number from {verdict.min:g} to {verdict.max:g})"
        value = float(first)
        if not verdict.min <= value <= verdict.max:
            return None, f"judge gave {value:g}, outside {verdict.min:g}..{verdict.max:g}"
        return value, None
    upper = text.upper()
    # Longest label first: "INCORRECT" must not be read as "CORRECT".
    found = [(m.start(), label) for label in sorted(verdict.labels, key=len, reverse=True)
             for m in [re.search(rf"\b{re.escape(label.upper())}\b", upper)] if m]  # fmt: skip
    if not found:
        return None, f"judge gave an unparseable verdict {text[:80]!r} (expected one of {', '.join(verdict.labels)})"
    return verdict.labels[min(found)[1]], None


def reply_problem(reply: str, verdict: VerdictSpec, choices: Sequence[str]) -> str | None:
    """Why one reply of the judge is not a verdict (None when it is), read by the same parser that reads the verdict, so
    what may be cached and what is a sample's judge error cannot disagree. A ``text`` extraction always reads (an empty
    reply: no answer found); a ``pair`` reply is read alone, each order's reply on its own."""
    if verdict.kind == "text":
        return None
    if verdict.kind == "choice":
        return parse_choice_verdict(reply, verdict, choices)[1]
    if verdict.kind == "pair":
        return parse_score_pair(reply, verdict.min, verdict.max)[1]
    return parse_verdict(reply, verdict)[1]


def judge_requests(spec: TaskSpec, records: Sequence[SampleRecord]) -> list[Request]:
    """The judge's requests for ``records``: one per record and order asked (``judge.orders``), record by record."""
    judge = spec.judge
    assert judge is not None
    where = spec.source_file or spec.name
    # Compiled as judge prompts: wherever they output the model's answer it is quoted (templates.quote_answer).
    user = judge_template(judge.prompt, where, "judge.prompt")
    system = judge_template(judge.system, where, "judge.system") if judge.system else None
    settings = GenerationSettings(max_new_tokens=judge.max_new_tokens, temperature=0.0, seed=0)
    out = []
    for rec in records:
        answer, prediction = " <OR> ".join(rec.references), rec.prediction or ""
        for k, order in enumerate(judge.orders):
            first, second = (answer, prediction) if order == "reference_first" else (prediction, answer)
            variables = {"question": prompt_text(rec.prompt), "references": rec.references, "answer": answer, "prediction": prediction,
                         "choices": rec.choices or [], "options": format_options(rec.choices or []), "metadata": rec.metadata or {},
                         "first": first, "second": second, "order": order}
            messages = [Message("user", [TextPart(user.render(**variables))])]
            if system is not None:
                messages.insert(0, Message("system", [TextPart(system.render(**variables))]))
            out.append(Request(id=f"judge:{rec.id}" if k == 0 else f"judge:{rec.id}:{order}", messages=messages, generation=settings))
    return out


@dataclass
class Judge:
    """One judge model for one run: ``judge(spec, records)`` fills each answered record's ``judge`` verdict."""

    engine: GenerationEngine
    down: str | None = field(default=None)
    """Set once the judge cannot answer at all (ModelUnavailable): later samples fail at once with this reason."""

    @property
    def name(self) -> str:
        return self.engine.adapter.name

    def identity(self, spec: TaskSpec) -> JudgeIdentity:
        assert spec.judge is not None
        return JudgeIdentity(judge=self.name, judge_hash=self.engine.model_hash, prompt_hash=judge_prompt_hash(spec.judge))

    def requests(self, spec: TaskSpec, records: Sequence[SampleRecord]) -> list[Request]:
        return judge_requests(spec, records)

    @property
    def model_hash(self) -> str:
        return self.engine.model_hash

    def close(self) -> None:
        self.engine.adapter.close()

    def verdicts(self, spec: TaskSpec, answered: Sequence[SampleRecord]) -> list[JudgeVerdict]:
        """One verdict per record of ``answered`` (records with a prediction), in order."""
        assert spec.judge is not None
        ident = self.identity(spec).model_dump()
        orders = spec.judge.orders
        done: list[Job] = []
        verdict = spec.judge.verdict

        def usable(job: Job) -> bool:  # a reply that is not a verdict is neither cached nor served from the cache
            return reply_problem(job.response.text if job.response is not None else "", verdict, job.payload.choices or []) is None

        if self.down is None and answered:
            payloads = [r for r in answered for _ in orders]  # the requests come record by record, one per order
            try:
                jobs = (Job(q, payload=r) for q, r in zip(self.requests(spec, answered), payloads))
                for chunk in self.engine.run(jobs, usable=usable):
                    done.extend(chunk)
            except ModelUnavailable as e:
                self.down = f"the judge {self.name} is unavailable: {e}"
        if spec.judge.verdict.kind == "pair":
            return self._pair_verdicts(spec, answered, done, ident)
        out = []
        for job in done:
            if job.failure is not None:
                out.append(JudgeVerdict(**ident, error=f"judge call failed: {job.failure}", cached=job.cached))
                continue
            raw = job.response.text if job.response is not None else ""
            if spec.judge.verdict.kind == "choice":
                letter, why = parse_choice_verdict(raw, spec.judge.verdict, job.payload.choices or [])
                out.append(JudgeVerdict(**ident, raw=raw, answer=letter, error=why, cached=job.cached))
                continue
            if spec.judge.verdict.kind == "text":
                out.append(JudgeVerdict(**ident, raw=raw, answer=parse_text_verdict(raw, spec.judge.verdict), cached=job.cached))
                continue
            score, why = parse_verdict(raw, spec.judge.verdict)
            out.append(JudgeVerdict(**ident, raw=raw, score=score, error=why, cached=job.cached))
        # Never judged: the judge went down before their turn.
        out.extend(JudgeVerdict(**ident, error=self.down) for _ in answered[len(done):])
        return out

    def _pair_verdicts(self, spec: TaskSpec, answered: Sequence[SampleRecord], done: Sequence[Job], ident: dict) -> list[JudgeVerdict]:
        """Pairwise verdicts: a record's jobs (one per order) read together; ``answer`` holds the pairs, reference's score
        first (``format_pair_reading``), ``score`` the answer's mean over the orders, ``raw`` the replies."""
        assert spec.judge is not None
        orders = spec.judge.orders
        out = []
        for i in range(len(answered)):
            jobs = done[i * len(orders):(i + 1) * len(orders)]
            if len(jobs) < len(orders):  # never (wholly) judged: the judge went down before its turn
                out.append(JudgeVerdict(**ident, error=self.down))
                continue
            cached = all(j.cached for j in jobs)
            replies = [(j.response.text or "") if j.response is not None else "" for j in jobs]
            raw = replies[0] if len(orders) == 1 else "\n".join(f"[{o.replace('_', ' ')}] {r.strip()}" for o, r in zip(orders, replies))
            failed = [(o, j.failure) for o, j in zip(orders, jobs) if j.failure is not None]
            if failed:
                why = "; ".join(f"judge call failed: {f}" if len(orders) == 1 else f"{o.replace('_', ' ')}: judge call failed: {f}"
                                for o, f in failed)
                out.append(JudgeVerdict(**ident, error=why, cached=cached))
                continue
            pairs, why = read_pairs(replies, spec.judge.verdict, orders)
            if pairs is None:
                out.append(JudgeVerdict(**ident, raw=raw, error=why, cached=cached))
                continue
            out.append(JudgeVerdict(**ident, raw=raw, score=pair_stats(pairs)["score"], answer=format_pair_reading(pairs), cached=cached))
        return out

    def judge(self, spec: TaskSpec, records: Sequence[SampleRecord]) -> None:
        """Fill ``record.judge`` for every record the task's judge reads (see ``to_judge``)."""
        answered = to_judge(spec, records)
        for rec, verdict in zip(answered, self.verdicts(spec, answered)):
            rec.judge = verdict

    def panel(self, spec: TaskSpec) -> None:
        """A single judge has no panel summary."""
        return None


@dataclass
class JudgePanel:
    """Several judges of one run (``--judge A --judge B``): each judges every answer; the task's ``aggregate``
    (mean or majority) combines their scores into ``record.judge``, each one's verdict stays in ``record.judges``.

    A pair verdict's scores combine order by order, the reference's and the answer's apart.
    A sample any judge could not score is a scoring error for the panel (its reasons joined): combining only the
    judges that answered would score samples by different panels. ``panel(spec)`` summarises each judge and
    their agreement (Krippendorff's alpha) over the samples all of them scored.
    """

    judges: list[Judge]
    _scores: dict[str, list[list[float | None]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " + ".join(j.name for j in self.judges)

    @property
    def model_hash(self) -> str:
        return stable_hash(sorted(j.model_hash for j in self.judges))

    def close(self) -> None:
        for j in self.judges:
            j.close()

    def identity(self, spec: TaskSpec) -> JudgeIdentity:
        assert spec.judge is not None
        return JudgeIdentity(judge=self.name, judge_hash=self.model_hash, prompt_hash=judge_prompt_hash(spec.judge))

    def judge(self, spec: TaskSpec, records: Sequence[SampleRecord]) -> None:
        assert spec.judge is not None
        problem = spec.judge_problem(len(self.judges))
        if problem:
            raise OmniEvalError(problem)
        answered = to_judge(spec, records)
        per_judge = [j.verdicts(spec, answered) for j in self.judges]
        ident = self.identity(spec).model_dump()
        rows = self._scores.setdefault(spec.name, [])
        for i, rec in enumerate(answered):
            verdicts = [v[i] for v in per_judge]
            rec.judges = verdicts
            rows.append([v.score if v.error is None else None for v in verdicts])
            failed = [f"{v.judge}: {v.error}" for v in verdicts if v.error is not None]
            if failed:
                rec.judge = JudgeVerdict(**ident, error="; ".join(failed), cached=all(v.cached for v in verdicts))
                continue
            raw, cached = " | ".join(v.raw or "" for v in verdicts), all(v.cached for v in verdicts)
            if spec.judge.verdict.kind == "pair":  # each order's two scores combined across the judges, one by one
                readings = [read_pair_reading(v.answer or "") for v in verdicts]
                pairs = [(_combine([r[k][0] for r in readings], spec.judge.aggregate), _combine([r[k][1] for r in readings], spec.judge.aggregate))
                         for k in range(len(spec.judge.orders))]  # fmt: skip
                rec.judge = JudgeVerdict(**ident, raw=raw, score=pair_stats(pairs)["score"], answer=format_pair_reading(pairs), cached=cached)
                continue
            scores = [float(v.score) for v in verdicts]  # type: ignore[arg-type]
            rec.judge = JudgeVerdict(**ident, raw=raw, score=_combine(scores, spec.judge.aggregate), cached=cached)

    def panel(self, spec: TaskSpec) -> JudgePanelReport:
        assert spec.judge is not None
        rows = self._scores.pop(spec.name, [])
        summaries = []
        for k, j in enumerate(self.judges):
            mine = [r[k] for r in rows if r[k] is not None]
            summaries.append(JudgeSummary(judge=j.name, judge_hash=j.model_hash, score=sum(mine) / len(mine) if mine else None,
                                          n=len(mine), n_errors=len(rows) - len(mine)))
        complete = np.array([r for r in rows if all(x is not None for x in r)], dtype=np.float64)
        metric = "interval" if spec.judge.verdict.kind in ("scale", "pair") else "nominal"
        alpha = krippendorff_alpha(complete, metric) if complete.size else None
        return JudgePanelReport(judges=summaries, aggregate=spec.judge.aggregate, agreement=alpha, agreement_metric=metric,
                                n_agreement=len(complete))


def _combine(scores: list[float], how: str) -> float:
    """The panel's score: the mean, or the most frequent score (ties: the lowest, so a split panel never rounds up)."""
    if how == "mean":
        return sum(scores) / len(scores)
    counts = Counter(scores)
    top = max(counts.values())
    return min(s for s, c in counts.items() if c == top)


AnyJudge = Judge | JudgePanel


def make_judges(names: Sequence[str], args: dict, cache) -> AnyJudge:  # noqa: ANN001 - a ResponseCache or None
    """``--judge`` models (each with the ``-J`` arguments) as one ``Judge``, or a ``JudgePanel`` of several."""
    from evals.adapters.base import create_adapter

    judges = []
    for name in names:
        adapter = create_adapter(name, dict(args))
        judges.append(Judge(GenerationEngine(adapter, cache, adapter.capabilities.max_batch_size or 8)))
    if len({j.model_hash for j in judges}) != len(judges):
        for j in judges:
            j.close()
        raise ValueError(f"--judge: the same judge is named twice ({', '.join(names)})")
    return judges[0] if len(judges) == 1 else JudgePanel(judges)


def judge_count(judge: "AnyJudge | None") -> int:
    """How many judges ``judge`` is (0 for none), as ``TaskSpec.judge_problem`` takes it."""
    return 0 if judge is None else len(judge.judges) if isinstance(judge, JudgePanel) else 1


def judge_names(judge: "AnyJudge | None") -> list[str]:
    """The model name of each judge in ``judge`` (the name its verdicts are cached under); none for no judge."""
    return [] if judge is None else [j.name for j in judge.judges] if isinstance(judge, JudgePanel) else [judge.name]
