"""``sglang:<model>``: SGLang's own OpenAI-compatible server as a child process (see ``evals.adapters.serving``)."""

from evals.adapters.serving import SGLangAdapter

ADAPTER = SGLangAdapter
