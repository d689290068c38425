"""A warm interpreter that forks one ``python -m evals ARGS`` process per request (its client: tests/cli_process.py).

Run as ``python tests/cli_forkserver.py FD``, FD one end of a SOCK_SEQPACKET socket pair. It imports what every
``omnieval run`` imports (PRELOAD) and indexes the catalogue's task names, says ``ready``, then for each request (a
JSON packet with the arguments, the environment and the working directory, and three descriptors: stdin, stdout,
stderr) forks a child, sends its pid, waits for it and sends its exit code (negative: the signal that ended it). The
child becomes the process that ``python -m evals ARGS`` would be: the request's environment, directory,
``sys.path[0]`` and standard streams, then ``evals.__main__`` run by runpy as ``-m`` runs it; its exit (SystemExit)
ends the interpreter as a fresh one's would, atexit handlers and stream flushes included. A server without threads
forks safely; it exits when its socket's other end closes (the pytest worker that started it is done or gone).
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import socket
import sys

PRELOAD = ("evals.cli.main", "evals.run.evaluate", "evals.run.runner", "evals.spec.catalog", "evals.data.loaders",
           "evals.scoring.metrics")
"""Modules that ``omnieval run`` imports whatever its task and model (a fresh process spends about 0.9 s of CPU on
them): only these, so a forked command imports the rest (datasets, torch, a backend) exactly when a fresh one would."""


def _become(request: dict, fds: list[int]) -> None:
    """In the forked child: turn into ``python -m evals ARGS``; never returns (the CLI always exits)."""
    for target, fd in enumerate(fds):  # received descriptors are all above 2: the server's own 0-2 are open
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path.insert(0, os.getcwd())  # `python -m` puts its working directory first
    sys.argv = ["-m", *request["args"]]  # runpy replaces argv[0] with evals/__main__.py's path, as -m does
    runpy.run_module("evals", run_name="__main__", alter_sys=True)
    sys.exit(0)


def serve(sock: socket.socket) -> None:
    for name in PRELOAD:
        importlib.import_module(name)
    # The catalogue's index of task names (0.17 s: the family files read), which every command naming a task builds
    # from the shipped task files; no test changes those.
    importlib.import_module("evals.spec.catalog").task_names()
    sock.send(b'{"ready": true}')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except OSError:  # the worker is gone
            return
        if not message:
            return
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _become(request, fds)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        sock.send(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode())


if __name__ == "__main__":
    sys.path.pop(0)  # this script's folder (tests/), which `python -m evals` would not have
    serve(socket.socket(fileno=int(sys.argv[1])))
