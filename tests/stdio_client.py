"""A minimal synchronous LSP client over stdio, for the fuzzer and the benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
import time


class StdioClient:
    """Just enough of an LSP client to drive the server from a synchronous hypothesis test."""

    def __init__(self, caps: str, *, pull: bool = True, python: str = sys.executable, debounce: int | None = 0
                 ) -> None:
        """``debounce``: milliseconds, or None to keep the server's default."""
        self.process = subprocess.Popen([python, "-m", "virtlint", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        text_document = {"diagnostic": {"dynamicRegistration": False}} if pull else {}
        options: dict = {"caps": [caps]} if debounce is None else {"caps": [caps], "debounce": debounce}
        self.request("initialize", {"processId": None, "rootUri": None, "initializationOptions": options,
                                    "capabilities": {"textDocument": text_document}})
        self.notify("initialized", {})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> dict:
        length = 0
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise ConnectionError("the language server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self._read()
            if "id" in message and "method" in message:  # a request from the server: answer it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result") or {}

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        """The next notification of this method from the server (answering its requests meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._read()
            if "id" in message and "method" in message:
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif message.get("method") == method:
                return message.get("params") or {}
        raise TimeoutError(method)

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        finally:
            self.process.kill()
