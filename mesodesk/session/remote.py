"""Heavy work in a helper process, so the window's own process stays small.

The window needs neither reportlab (the pack) nor SQLAlchemy (the records) in
its own memory: each lives in a helper process started on first use, which
answers calls one at a time over a pipe (pickled values, the same values the
in-process call would take and return; an exception comes back and is raised
in the caller).

    store = RemoteStore("sqlite:///records.sqlite3")   # a Store, in its own process
    store.drafts()
    packs = PackBuilder()
    pdf = packs.build(consultation, "a4")              # bytes, built in its own process

Both are thread-safe (one call at a time) and imported by no Qt module; the
window runs them from its worker threads like the in-process objects.
"""

from __future__ import annotations

import copyreg
import logging
import os
import pickle
import subprocess
import sys
import threading
import types
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

# The domain's frozen records hold read-only mappings; they travel as dicts.
def _read_only(mapping: dict) -> types.MappingProxyType:
    return types.MappingProxyType(mapping)


copyreg.pickle(types.MappingProxyType, lambda m: (_read_only, (dict(m),)))


class RemoteError(RuntimeError):
    """The helper process stopped or could not be started."""


def _send(stream: BinaryIO, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    size = int.from_bytes(head, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Helper:
    """One helper process serving ``kind`` ("store" or "pack")."""

    def __init__(self, kind: str, *args: Any) -> None:
        self._lock = threading.Lock()
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from mesodesk.session.remote import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        try:
            self.call("__init__", kind, *args)
        except BaseException:
            self.close()
            raise

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._proc.poll() is not None:
                raise RemoteError("the helper process has stopped")
            assert self._proc.stdin is not None and self._proc.stdout is not None
            try:
                _send(self._proc.stdin, (name, args, kwargs))
                ok, value = _receive(self._proc.stdout)
            except (EOFError, OSError, BrokenPipeError) as exc:
                raise RemoteError(f"the helper process has stopped ({exc})") from None
        if ok:
            return value
        raise value

    def close(self) -> None:
        with self._lock:
            if self._proc.poll() is None:
                try:
                    assert self._proc.stdin is not None
                    self._proc.stdin.close()
                    self._proc.wait(timeout=10)
                except (OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
                    self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None and not stream.closed:
                    stream.close()


class RemoteStore:
    """A records store (:class:`mesodesk.storage.Store`) in a helper process:
    the same methods, arguments, results and errors."""

    def __init__(self, url: Any = None) -> None:
        self._helper = _Helper("store", url)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        helper = self._helper
        kind, value = helper.call("__attribute__", name)
        if kind == "value":          # a property such as ``path``: its value now
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            return helper.call(name, *args, **kwargs)

        call.__name__ = name
        return call

    def close(self) -> None:
        try:
            self._helper.call("close")
        finally:
            self._helper.close()

    def __enter__(self) -> "RemoteStore":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class PackBuilder:
    """Builds packs in a helper process started on first use."""

    def __init__(self) -> None:
        self._helper: _Helper | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the helper process now (it takes a second to import reportlab)."""
        with self._lock:
            if self._helper is None:
                self._helper = _Helper("pack")

    def build(self, consultation: Any, paper: str = "a4") -> bytes:
        self.start()
        assert self._helper is not None
        return self._helper.call("build", consultation, paper)

    def export_certificate(self, out: str, clinic: str = "") -> str:
        """Write this installation's seal certificate (PEM) to ``out`` in the helper
        process (the seal's libraries stay out of the caller's); returns the path."""
        self.start()
        assert self._helper is not None
        return self._helper.call("export_certificate", out, clinic)

    def close(self) -> None:
        with self._lock:
            if self._helper is not None:
                self._helper.close()
                self._helper = None


class _PackServer:
    def __init__(self) -> None:
        from mesodesk.catalogue import default_catalogue

        self.catalogue = default_catalogue()

    def build(self, consultation: Any, paper: str) -> bytes:
        from mesodesk.pack import build_pack

        return build_pack(consultation, self.catalogue, paper=paper)

    def export_certificate(self, out: str, clinic: str) -> str:
        from mesodesk.pack.seal import export_certificate

        return str(export_certificate(out, clinic))


def serve() -> None:  # the helper process
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr   # nothing else may write to the pipe
    target: Any = None
    while True:
        try:
            name, args, kwargs = _receive(stdin)
        except EOFError:
            return
        try:
            if name == "__init__":
                kind = args[0]
                if kind == "store":
                    from mesodesk.storage import open_store

                    target = open_store(*args[1:])
                else:
                    target = _PackServer()
                result: Any = None
            elif name == "__attribute__":
                attr = getattr(target, args[0])
                result = ("method", None) if callable(attr) else ("value", attr)
            else:
                result = getattr(target, name)(*args, **kwargs)
            reply = (True, result)
        except Exception as exc:  # sent back and raised in the caller
            reply = (False, exc)
        try:
            _send(stdout, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(stdout, (False, RemoteError(f"{name}: the answer cannot be sent ({exc})")))
