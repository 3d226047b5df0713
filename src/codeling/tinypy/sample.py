"""One TinyPy sample and how it is written in the output format (TINYPY.md section 1).

A file written with level tags starts each sample with the comment line `# level: 2.1`. Python
reads it as a comment, and codeling's reader takes it as the sample's level; plain files have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OUTPUT_HEADER = "# output"
LEVEL_TAG = "# level: "


@dataclass
class Sample:
    program: str  # source text, lines joined by "\n", no trailing newline
    output: list[str]  # printed lines
    level: str | None = None  # "1.1" ... "4.1", or None where unknown
    trace: str | None = None  # the execution trace, when asked for
    line: int | None = None  # 1-based line where the sample starts in the file it was read from


def output_block(output: list[str]) -> str:
    """`# output` then `# <line>` per printed line, `# ` alone when nothing was printed."""
    return OUTPUT_HEADER + "\n" + ("\n".join(f"# {line}" for line in output) if output else "# ")


def format_sample(sample: Sample, level_tag: bool = False) -> str:
    head = f"{LEVEL_TAG}{sample.level}\n" if level_tag and sample.level else ""
    return f"{head}{sample.program}\n{output_block(sample.output)}"


def format_samples(samples: list[Sample], level_tag: bool = False) -> str:
    """A whole file: samples separated by one blank line, ending with a newline."""
    return "\n\n".join(format_sample(s, level_tag) for s in samples) + "\n" if samples else ""


_SPACES = re.compile(r" {2,}")
_OPEN = re.compile(r"\( +")
_CLOSE = re.compile(r" +\)")


def normalise_program(program: str) -> str:
    """The program with other tools' whitespace quirks removed: how duplicates are recognised."""
    lines = program.replace("\r\n", "\n").strip("\n").split("\n")
    return "\n".join(_CLOSE.sub(")", _OPEN.sub("(", _SPACES.sub(" ", line.rstrip()))) for line in lines)
