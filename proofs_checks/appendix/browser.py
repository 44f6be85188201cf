"""Loading the web appendix in headless Chromium, over the DevTools protocol on a pipe.

The browser is the Debian package ``chromium`` (``/usr/bin/chromium``), started
with no network features and a fresh profile, and driven through
``--remote-debugging-pipe`` (JSON messages ending in a NUL byte on file
descriptors 3 and 4), so nothing but the standard library is needed and no
port is opened.

Main definitions
- ``CHROMIUM_PACKAGE = "chromium"``; ``find_chromium()``: the browser's path, or
  ``BrowserNotInstalled`` naming the Debian package.
- ``Browser``: a context manager; ``load(url)`` loads a page and returns a
  ``PageLoad`` (the console errors and uncaught exceptions of the page, and the
  ``href`` of every link, including the links of inline SVG);
  ``screenshot(path, full_page)`` saves a PNG of the current page.
- Run as ``python -m proofs_checks.appendix.browser SITE DIR``: save screenshots of
  ``SITE/index.html`` at its dependency graph and of the first claim page into DIR.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_PACKAGE", "BrowserNotInstalled", "BrowserError", "find_chromium", "Browser", "PageLoad"]

CHROMIUM_PACKAGE = "chromium"
_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--remote-debugging-pipe", "--window-size=1280,900", "--hide-scrollbars")
_TIMEOUT = 60.0
_LINKS = ("Array.from(document.querySelectorAll('a')).map(a => a.href && a.href.baseVal !== undefined"
          " ? new URL(a.href.baseVal, document.baseURI).href : a.href)")


class BrowserNotInstalled(RuntimeError):
    """No Chromium executable."""


class BrowserError(RuntimeError):
    """The browser answered with an error, closed the pipe, or timed out."""


def find_chromium() -> str:
    """The path of the Chromium executable."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserNotInstalled(f"no Chromium browser found; on Debian/Ubuntu: apt-get install {CHROMIUM_PACKAGE}")


@dataclass
class PageLoad:
    """What loading one page showed: console errors, uncaught exceptions, link targets."""

    url: str
    errors: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class Browser:
    """Headless Chromium driven over the DevTools pipe (one tab)."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="proofcheck-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def bind() -> None:
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self._process = subprocess.Popen(
            [find_chromium(), *_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=bind)  # kept open after bind() moved the pipes there
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self._call(f"{domain}.enable", session=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._send("Browser.close", {}, session=False)
        except (BrokenPipeError, OSError):
            pass
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def _send(self, method: str, params: dict[str, Any], session: bool) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("the browser did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("the browser closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method: str, params: dict[str, Any] | None = None, session: bool = False) -> dict[str, Any]:
        wanted = self._send(method, params or {}, session)
        deadline = time.monotonic() + _TIMEOUT
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _wait_for(self, method: str) -> None:
        deadline = time.monotonic() + _TIMEOUT
        while not any(event["method"] == method for event in self._events):
            self._events.append(self._receive(deadline))

    def load(self, url: str) -> PageLoad:
        """Load ``url`` and report its console errors, uncaught exceptions and links."""
        self._events.clear()
        answer = self._call("Page.navigate", {"url": url}, session=True)
        page = PageLoad(url)
        if answer.get("errorText"):
            page.errors.append(f"navigation failed: {answer['errorText']}")
            return page
        self._wait_for("Page.loadEventFired")
        page.links = list(self._call("Runtime.evaluate", {"expression": _LINKS, "returnByValue": True},
                                     session=True)["result"].get("value", []))
        for event in self._events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                page.errors.append(params.get("exceptionDetails", {}).get("text", "uncaught exception"))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                page.errors.append(" ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                page.errors.append(f"{entry.get('source', '')}: {entry.get('text', '')} {entry.get('url', '')}".strip())
        return page

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the current page."""
        return self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                          session=True)["result"].get("value")

    def screenshot(self, path: str | Path, full_page: bool = False) -> Path:
        """Save a PNG of the current page (the viewport, or the whole page)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        data = self._call("Page.captureScreenshot", params, session=True)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)


def save_screenshots(site: Path, directory: Path) -> list[Path]:
    """Screenshots of the dependency graph (``index.html#graph``) and of the first claim page."""
    directory.mkdir(parents=True, exist_ok=True)
    claim = sorted((site / "claims").glob("*.html"))[0]
    with Browser() as browser:
        browser.load((site / "index.html").resolve().as_uri() + "#graph")
        browser.evaluate("document.getElementById('graph').scrollIntoView()")
        shots = [browser.screenshot(directory / "graph.png")]
        browser.load(claim.resolve().as_uri())
        shots.append(browser.screenshot(directory / f"claim-{claim.stem}.png"))
    return shots


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m proofs_checks.appendix.browser SITE DIR")
    for shot in save_screenshots(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"screenshot written to {shot}")
