"""Refuse an HTTP request body over a limit before the server reads it.

Gradio parses a whole JSON body (and stores a whole upload) before any handler sees it, so a
100 MB request costs that much memory however small the page's inputs are. This ASGI middleware
answers 413 when Content-Length says too much and stops reading a body sent without one (chunked)
as soon as it passes the limit.
"""

from __future__ import annotations

TOO_LARGE = b"The request is larger than this page accepts; send less."


class BodyLimit:
    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await _refuse(send)
        seen = 0

        async def bounded():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, bounded, send)
        except _TooLarge:
            await _refuse(send)  # if the app had already started answering, this fails and the connection drops


class _TooLarge(Exception):
    pass


async def _refuse(send) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(TOO_LARGE)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": TOO_LARGE})
