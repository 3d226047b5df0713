"""Read files in the output format, whoever wrote them.

Samples are separated by blank lines (or follow each other directly: a program line right after
output lines starts the next sample). CRLF and CR line ends, double spaces and `( n == n)` are
accepted. A sample whose program is not TinyPy, or that lacks its `# output` block, is reported as a
SampleIssue with its line number and skipped; nothing is repaired behind the reader's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from codeling.errors import CodelingError
from codeling.tinypy.builder import LEVELS
from codeling.tinypy.interpreter import RunError, run
from codeling.tinypy.levels import level_of
from codeling.tinypy.parser import ParseError, parse
from codeling.tinypy.sample import LEVEL_TAG, OUTPUT_HEADER, Sample


@dataclass(frozen=True)
class SampleIssue:
    line: int  # 1-based line in the file
    message: str
    reason: str = "malformed sample"  # a short name that groups issues of one kind, for counts


@dataclass
class ReadResult:
    samples: list[Sample] = field(default_factory=list)
    skipped: list[SampleIssue] = field(default_factory=list)


def _sample(block: list[tuple[int, str]]) -> Sample | SampleIssue:
    start = block[0][0]
    level = None
    if block[0][1].startswith(LEVEL_TAG.rstrip()):
        level = block[0][1][len(LEVEL_TAG.rstrip()) :].strip()
        if level not in LEVELS:
            return SampleIssue(start, f"level tag {level!r} is not one of {', '.join(LEVELS)}", "unknown level tag")
        block = block[1:]
    texts = [text for _, text in block]
    try:
        split = next(i for i, text in enumerate(texts) if text.rstrip() == OUTPUT_HEADER)
    except StopIteration:
        return SampleIssue(start, "sample has no `# output` line", "no `# output` line")
    program_lines, output_lines = texts[:split], texts[split + 1 :]
    if not program_lines:
        return SampleIssue(start, "sample has no program before `# output`", "no program")
    if not output_lines:
        return SampleIssue(block[split][0], "`# output` is followed by no `# ` line", "no output lines")
    try:
        program = parse("\n".join(program_lines))
    except ParseError as e:
        return SampleIssue(block[max(e.line, 1) - 1][0], f"not a TinyPy program: {e}", "not TinyPy")
    if len(output_lines) == 1 and output_lines[0].rstrip() == "#":  # `# ` alone: nothing printed
        output: list[str] = []
    else:
        output = [text[2:] if text.startswith("# ") else text[1:] for text in output_lines]
    return Sample(program.text, output, level or level_of(program.text), line=start)


def read_text(text: str) -> ReadResult:
    """Every sample of a text in the output format, and why those that are not were skipped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result = ReadResult()
    block: list[tuple[int, str]] = []
    in_output = False

    def finish() -> None:
        if block:
            item = _sample(block)
            (result.skipped if isinstance(item, SampleIssue) else result.samples).append(item)
            block.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            finish()
            in_output = False
            continue
        if in_output and not line.startswith("#"):
            finish()  # the next program began without a blank line
            in_output = False
        block.append((number, line))
        if line.rstrip() == OUTPUT_HEADER:
            in_output = True
    finish()
    return result


def read_file(path: str | Path) -> ReadResult:
    path = Path(path)
    if not path.is_file():
        raise CodelingError(f"TinyPy file {path} does not exist; pass a file in the output format.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CodelingError(
            f"{path} is not UTF-8 text (byte {e.start}); pass a TinyPy file in the output format."
        ) from None
    return read_text(text)


def output_mismatches(samples: list[Sample]) -> list[SampleIssue]:
    """Samples whose recorded output is not what the program prints (or that fail to run)."""
    mismatches = []
    for sample in samples:
        try:
            actual = run(parse(sample.program))
        except RunError as e:
            mismatches.append(SampleIssue(sample.line or 0, f"program fails at run time: {e}"))
            continue
        if actual != sample.output:
            mismatches.append(
                SampleIssue(sample.line or 0, f"recorded output {sample.output} but the program prints {actual}")
            )
    return mismatches
