"""Running catalogue tasks on fixture mirrors with the baseline adapter; a scripted judge server on loopback."""

from __future__ import annotations

import json
import string
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evals.adapters.base import create_adapter
from evals.run.evaluate import evaluate_model
from evals.results import RunResults
from evals.run.runner import RunOptions
from evals.spec.task import TaskSpec
from tests.adapters.fault_server import STOP_POLL_S


def run_tasks(specs: list[TaskSpec], data_dir: Path, out: Path, text: str, limit: int | None = None, adapter=None) -> RunResults:
    adapter = adapter or create_adapter("baseline:constant", {"text": text})
    return evaluate_model(adapter, specs, out, None, RunOptions(data_dir=str(data_dir), limit=limit, n_resamples=50))


def tiny_vlm_results(tiny_model, task: str, data_dir: Path, out: Path, family: str = "qwen2_vl", max_new_tokens: int = 4,
                     limit: int | None = None):
    """``task``'s result when a tiny random VLM of a real architecture (``tiny_model(family)``, loaded through ``hf:``)
    answers the fixture's samples (``limit``: that many), its answers cut to ``max_new_tokens`` (the tasks ask for more):
    the catalogue's smoke test that each
    request (its images, its prompt) goes through a real model's processor and chat template."""
    from evals.spec.catalog import load_task

    adapter = create_adapter(f"hf:{tiny_model(family)}", {})
    spec = load_task(task)
    spec = spec.model_copy(update={"generation": spec.generation.model_copy(update={"max_new_tokens": max_new_tokens})})
    try:
        return run_tasks([spec], data_dir, out, "", limit=limit, adapter=adapter).tasks[task]
    finally:
        adapter.close()


def _missing(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def vlmevalkit_prompt(line) -> str:
    """The text part of VLMEvalKit's ``ImageMCQDataset.build_prompt`` (vlmeval/dataset/image_mcq.py at e8e78f05) for a
    TSV row (a pandas Series or dict): hint, question, lettered options, the instruction. Written out here as the
    expectation the MMBench v1.1 and MMT-Bench prompts are checked against."""
    question = line["question"]
    options = {cand: line[cand] for cand in string.ascii_uppercase if cand in line and not _missing(line[cand])}
    options_prompt = "Options:\n"
    for key, item in options.items():
        options_prompt += f"{key}. {item}\n"
    hint = line["hint"] if ("hint" in line and not _missing(line["hint"])) else None
    prompt = ""
    if hint is not None:
        prompt += f"Hint: {hint}\n"
    prompt += f"Question: {question}\n"
    if len(options):
        prompt += options_prompt
        prompt += "Please select the correct answer from the options above. \n"
    return prompt


class ScriptedJudge:
    """Answers each grading prompt by the question in its last row (and the judge model, when the verdict is a dict):
    a verdict, ``status:NNN`` for that HTTP error, or ``too_long`` for a 400 saying the prompt exceeds the context."""

    def __init__(self, verdicts: dict[str, str | dict[str, str]], reasoning: str | None = None, default: str | None = None) -> None:
        """``default``: the verdict for a prompt that names none of the keys (without one, such a prompt is a test error)."""
        self.verdicts, self.prompts, self.bodies, self.reasoning, self.default = verdicts, [], [], reasoning, default
        judge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                prompt = prompt if isinstance(prompt, str) else "".join(p.get("text", "") for p in prompt)
                judge.prompts.append(prompt)
                judge.bodies.append(body)
                question = prompt.rsplit("\n", 1)[-1].split(" | ")[0]
                if question not in judge.verdicts:  # prompts without MM-Vet's table: the question appears somewhere
                    question = next((q for q in judge.verdicts if q in prompt), None)
                verdict = judge.verdicts[question] if question is not None else judge.default
                assert verdict is not None, f"the scripted judge has no verdict for {prompt[-200:]!r}"
                if isinstance(verdict, dict):  # per judge model
                    verdict = verdict[body["model"]]
                if verdict == "too_long":  # vLLM's words for a prompt past the judge's context
                    payload, status = {"error": {"message": "This model's maximum context length is 2048 tokens. However, you "
                                                            "requested 2400 tokens (2346 in the messages, 54 in the completion)."}}, 400
                elif verdict.startswith("status:"):
                    payload, status = {"error": {"message": "judge refused"}}, int(verdict[7:])
                else:
                    message = {"role": "assistant", "content": verdict}
                    usage = {"prompt_tokens": 10, "completion_tokens": 2}
                    if judge.reasoning is not None:  # a reasoning model served with a reasoning parser (vLLM, SGLang)
                        message["reasoning_content"] = judge.reasoning
                        usage = {"prompt_tokens": 10, "completion_tokens": 44, "completion_tokens_details": {"reasoning_tokens": 42}}
                    payload, status = {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}, 200
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedJudge":
        threading.Thread(target=self.httpd.serve_forever, args=(STOP_POLL_S,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run_cli(mirror: Path, out: Path, cache: Path, task: str, answer: str, *extra: str) -> tuple[dict, list[dict]]:
    """``omnieval run -m baseline:constant -a text=ANSWER -t TASK ...`` into a fresh ``out``: the task's results and records.
    The run must exit 0."""
    from typer.testing import CliRunner

    from evals.cli.main import app

    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", f"text={answer}", "-t", task, "--data-dir", str(mirror),
                                      "-o", str(out), "--cache", str(cache), "--no-progress", *extra])  # fmt: skip
    assert result.exit_code == 0, result.output
    run_dir = next(out.iterdir())
    records = [json.loads(line) for line in (run_dir / "samples" / f"{task}.jsonl").read_text().splitlines()]
    return json.loads((run_dir / "results.json").read_text())["tasks"][task], records
