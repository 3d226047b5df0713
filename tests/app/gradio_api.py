"""Call a running codeling page through Gradio's HTTP API, as any client could: POST the inputs,
then read the event stream to its end. Loopback only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request


def call(base: str, api: str, *data, timeout: float = 60) -> list:
    """The outputs of endpoint `api` for `data`; AssertionError when Gradio reports an error event
    (what the page would show as a bare "Error")."""
    request = urllib.request.Request(
        f"{base}/gradio_api/call/{api}",
        data=json.dumps({"data": list(data)}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/{api}/{event}", timeout=timeout) as response:
        stream = response.read().decode()
    last, payload = None, None
    for line in stream.splitlines():
        if line.startswith("event: "):
            last = line[len("event: ") :]
        elif line.startswith("data: "):
            payload = line[len("data: ") :]
    assert last == "complete", f"{api} ended with {last}: {payload}"
    return json.loads(payload)


def post(base: str, path: str, body: bytes, content_type: str = "application/json") -> int:
    """The status of a raw POST (a refused one may also reset the connection: reported as 413)."""
    request = urllib.request.Request(f"{base}{path}", data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (ConnectionResetError, BrokenPipeError, urllib.error.URLError):
        return 413


def answers_within(base: str, seconds: float) -> bool:
    start = time.monotonic()
    with urllib.request.urlopen(f"{base}/config", timeout=seconds) as response:
        response.read()
    return time.monotonic() - start < seconds


def wait_until_up(base: str, deadline_s: float = 120) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            urllib.request.urlopen(f"{base}/config", timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
