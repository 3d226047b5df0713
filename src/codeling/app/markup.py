"""The one escaping path for text the page renders as Markdown: anything a file, a folder name or
an error says is shown as the characters it holds, never as HTML or Markdown.

Gradio's Markdown passes `<img src=...>` and `![](url)` through to the browser, which would fetch
the address: a report saying so would make the page reach out. Every character that could start
markup gets Markdown's own escape, a backslash, which the renderer turns back into the character as
text. (HTML entities were tried first: Gradio's renderer escapes their `&` again, so a child saw
"&#58;" where a colon belonged.)
"""

from __future__ import annotations

_MARKUP = "&<>\"'`*_[](){}#!|~\\:=$"
_ESCAPES = {ord(c): "\\" + c for c in _MARKUP}


def plain(value, limit: int = 300) -> str:
    """str(value), cut to `limit` characters, safe inside Markdown."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text.translate(_ESCAPES).replace("\n", " ")
