"""A small valid task, written where a test wants it."""

from __future__ import annotations

from pathlib import Path

TASK = """\
name: tiny_vqa
modality: image
kind: vqa
dataset: {path: lmms-lab/VQAv2, split: validation}
fields:
  id: question_id
  image: image
  question: question
  references: answers[*].answer
prompt:
  user: "<image>\\n{{ question }}\\nAnswer with one word."
generation: {max_new_tokens: 8}
scorers:
  - name: exact_match
"""


def write(tmp: Path, text: str = TASK, name: str = "tiny_vqa.yaml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path
