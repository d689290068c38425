"""Judging: a model reads each answer and gives a verdict that the task's scorer turns into a score.

A judge is any omnieval model (``--judge openai:NAME -J base_url=...`` or ``hf:PATH``).
Its calls go through its own ``GenerationEngine``, so they are batched, cached
under the judge's fingerprint (a re-run or a rescore pays nothing) and committed
batch by batch (a killed run resumes). A verdict that cannot be had (the call
failed, the judge is down, the reply does not parse) is recorded as the
sample's judge error: the scorer makes it a scoring error, never a zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from evals.adapters.base import ModelUnavailable
from evals.hashing import stable_hash
from evals.requests import GenerationSettings, Message, Request, TextPart
from evals.results import JudgeIdentity, JudgeVerdict, SampleRecord
from evals.run.engine import GenerationEngine, Job
from evals.scoring.rescore import prompt_text
from evals.spec.task import JudgeSpec, TaskSpec, VerdictSpec
from evals.spec.templates import PromptTemplate

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?|[-+]?\.\d+")


def judge_prompt_hash(spec: JudgeSpec) -> str:
    """What the verdicts depend on besides the judge model: prompt, system prompt, verdict rule, length, version."""
    return stable_hash(spec.model_dump())


def parse_verdict(reply: str, verdict: VerdictSpec) -> tuple[float | None, str | None]:
    """(score, None), or (None, why the reply is not a verdict)."""
    text = reply.strip()
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
        judge = spec.judge
        assert judge is not None
        where = spec.source_file or spec.name
        user = PromptTemplate(judge.prompt, where, "judge.prompt")
        system = PromptTemplate(judge.system, where, "judge.system") if judge.system else None
        settings = GenerationSettings(max_new_tokens=judge.max_new_tokens, temperature=0.0, seed=0)
        out = []
        for rec in records:
            variables = {"question": prompt_text(rec.prompt), "references": rec.references,
                         "answer": " <OR> ".join(rec.references), "prediction": rec.prediction or "", "choices": rec.choices or []}
            messages = [Message("user", [TextPart(user.render(**variables))])]
            if system is not None:
                messages.insert(0, Message("system", [TextPart(system.render(**variables))]))
            out.append(Request(id=f"judge:{rec.id}", messages=messages, generation=settings))
        return out

    def judge(self, spec: TaskSpec, records: Sequence[SampleRecord]) -> None:
        """Fill ``record.judge`` for every record with a prediction (the others were never answered)."""
        assert spec.judge is not None
        ident = self.identity(spec)
        answered = [r for r in records if r.error is None and r.prediction is not None]
        if not answered:
            return
        done: list[Job] = []
        if self.down is None:
            try:
                for chunk in self.engine.run(Job(q, payload=r) for q, r in zip(self.requests(spec, answered), answered)):
                    done.extend(chunk)
            except ModelUnavailable as e:
                self.down = f"the judge {self.name} is unavailable: {e}"
        for job in done:
            rec = job.payload
            if job.failure is not None:
                rec.judge = JudgeVerdict(**ident.model_dump(), error=f"judge call failed: {job.failure}", cached=job.cached)
                continue
            raw = job.response.text if job.response is not None else ""
            score, why = parse_verdict(raw, spec.judge.verdict)
            rec.judge = JudgeVerdict(**ident.model_dump(), raw=raw, score=score, error=why, cached=job.cached)
        for rec in answered[len(done):]:  # never judged: the judge went down before their turn
            rec.judge = JudgeVerdict(**ident.model_dump(), error=self.down)
