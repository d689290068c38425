"""Reading structured answers: a field of the JSON object a model (or a judge) was asked to return."""

from __future__ import annotations

from typing import Any


def json_field(text: Any, name: str, default: Any = None) -> Any:
    """``{{ prediction | json_field("summary_detailed", prediction) }}``: a field of the JSON object in ``text`` (the span
    from its first ``{`` to its last ``}``, so code fences and chatter around it do not matter), else ``default``."""
    import json

    text = str(text)
    if "{" in text and "}" in text:
        try:
            data = json.loads(text[text.index("{"): text.rindex("}") + 1])
        except ValueError:
            return default
        if isinstance(data, dict) and name in data:
            value = data[name]
            return " ".join(map(str, value)) if isinstance(value, list) else value
    return default


def tag_text(text: Any, tag: str) -> str:
    """``{{ prediction | tag_text("answer") }}``: the text of the first ``<tag>...</tag>`` in ``text``, stripped; a tag opened
    and never closed runs to the end of the text; "" when the tag is never opened. As ChartMuseum's ``extract_answer``
    reads ``<answer>`` (Liyan06/ChartMuseum evaluate.py: ``re.search(r'<answer>(.*?)</answer>', text + '</answer>',
    re.DOTALL)``)."""
    import re

    match = re.search(f"<{re.escape(tag)}>(.*?)</{re.escape(tag)}>", f"{text}</{tag}>", re.DOTALL)
    return match.group(1).strip() if match else ""
