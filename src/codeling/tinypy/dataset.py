"""TinyPy training data: token shards for train/val, `test.jsonl` for evaluation.

Each example is BOS + prompt + target + EOS with a loss mask of 1 on target + EOS only:

    output mode:  prompt = program + "\\n# output\\n"       target = "# 7\\n# 8\\n"  ("# \\n" if silent)
    trace mode:   prompt = "# code\\n" + program + "\\n"     target = "#STEP\\n..." up to the `@^$...` line + "\\n"

so evaluation prompts with `prompt_text`, lets the model write until EOS, and reads the answer
with `predicted_output`. No program (compared after normalising whitespace) is in two splits.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from codeling import atomic, rundir
from codeling.data.shards import Shards, SplitArrays, write_shards
from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.tinypy.interpreter import RunError
from codeling.tinypy.parser import parse
from codeling.tinypy.reader import SampleIssue, read_file
from codeling.tinypy.sample import OUTPUT_HEADER, Sample, normalise_program
from codeling.tinypy.trace import CODE_HEADER, output_from_trace, split_trace, trace_text
from codeling.tokenizers.tinypy import TinyPyTokenizer
from codeling.train.progress import Progress, Report


def prompt_text(program: str, trace: bool = False) -> str:
    """What the model is given: the program and the header after which its answer begins."""
    if trace:
        return f"{CODE_HEADER}\n{program}\n"
    return f"{program}\n{OUTPUT_HEADER}\n"


def target_text(output: list[str], trace: str | None = None) -> str:
    """What the model must write after the prompt (before EOS): output lines, or the trace steps."""
    if trace is not None:
        return split_trace(trace)[1] + "\n"
    return "".join(f"# {line}\n" for line in output) if output else "# \n"


def predicted_output(generated: str, trace: bool = False) -> list[str] | None:
    """The printed lines a model's continuation of `prompt_text` claims; None if it claims none."""
    if trace:
        return output_from_trace(generated)
    lines = []
    for line in generated.split("\n"):
        if not line.startswith("#"):
            break  # a blank line or a new program ends the output block
        lines.append(line)
    if not lines:
        return None
    if len(lines) == 1 and lines[0].rstrip() == "#":
        return []
    return [line[2:] if line.startswith("# ") else line[1:] for line in lines]


def encode_example(tokenizer: TinyPyTokenizer, sample: Sample, trace: bool) -> tuple[list[int], list[int]]:
    """(token ids, loss mask) of one sample: BOS prompt target EOS, mask 1 on target and EOS."""
    prompt = tokenizer.encode(prompt_text(sample.program, trace))
    target = tokenizer.encode(target_text(sample.output, sample.trace if trace else None))
    ids = [tokenizer.bos_id, *prompt, *target, tokenizer.eos_id]
    mask = [0] * (1 + len(prompt)) + [1] * (len(target) + 1)
    return ids, mask


@dataclass
class FileSamples:
    samples: list[Sample]
    skipped: list[SampleIssue]  # samples that are not TinyPy, malformed, or cannot be traced
    duplicates: int
    source: dict
    repeats: list[SampleIssue] = field(default_factory=list)  # where each duplicate program stands


def samples_from_file(path: str | Path, trace: bool = False) -> FileSamples:
    """The distinct samples of a file in the output format (with traces if asked)."""
    path = Path(path)
    read = read_file(path)
    skipped = list(read.skipped)
    samples, seen, repeats = [], {}, []
    for sample in read.samples:
        key = normalise_program(sample.program)
        if key in seen:
            repeats.append(SampleIssue(sample.line or 0, f"the program of line {seen[key]} again", "duplicate program"))
            continue
        seen[key] = sample.line or 0
        if trace:
            try:
                sample.trace = trace_text(parse(sample.program))
            except RunError as e:
                skipped.append(SampleIssue(sample.line or 0, f"cannot trace: {e}", "fails at run time"))
                continue
        samples.append(sample)
    duplicates = len(repeats)
    digest = sha256_file(path)
    source = {
        "file": str(path),
        "sha256": digest,
        "read": len(read.samples),
        "problems": len(skipped),
        "duplicates": duplicates,
    }
    return FileSamples(samples, skipped, duplicates, source, repeats)


@dataclass
class DatasetResult:
    out_dir: Path
    manifest: dict
    counts: dict[str, int]  # examples per split: train, val, test
    levels: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> level -> examples


def split_samples(samples: list[Sample], seed: int, val_frac: float, test_n: int) -> dict[str, list[Sample]]:
    """Shuffle with `seed`, then cut test (test_n), val (val_frac of the rest) and train."""
    if not 0 <= val_frac < 1:
        raise CodelingError(f"--val-frac {val_frac} is out of range; give a fraction in [0, 1).")
    if test_n < 0 or test_n >= len(samples):
        raise CodelingError(
            f"--test-n {test_n} leaves no training data from {len(samples)} programs; "
            "ask for more programs or a smaller test set."
        )
    keys = [normalise_program(s.program) for s in samples]
    if len(set(keys)) != len(keys):
        raise ValueError("samples must be distinct programs before splitting")
    order = list(range(len(samples)))
    random.Random(f"tinypy-split:{seed}").shuffle(order)
    n_val = round((len(samples) - test_n) * val_frac)
    cut = {"test": order[:test_n], "val": order[test_n : test_n + n_val], "train": order[test_n + n_val :]}
    return {name: [samples[i] for i in sorted(idx)] for name, idx in cut.items()}


def check_out_dir(out_dir: str | Path, overwrite: bool = False) -> None:
    rundir.refuse_occupied(out_dir, overwrite=overwrite)


def build_dataset(
    out_dir: str | Path,
    samples: list[Sample],
    provenance: dict,
    trace: bool = False,
    seed: int = 0,
    val_frac: float = 0.05,
    test_n: int = 1000,
    overwrite: bool = False,
    progress: Report | None = None,
) -> DatasetResult:
    """Write train/val shards (tokens, masks, example starts), tokenizer.json, manifest.json and
    test.jsonl into `out_dir`. `provenance` says where the samples came from (generator settings
    or file); the manifest adds counts and the split settings."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir, overwrite)
    if trace and any(s.trace is None for s in samples):
        raise ValueError("trace datasets need every sample's trace")
    splits = split_samples(samples, seed, val_frac, test_n)
    tokenizer = TinyPyTokenizer()
    arrays = {}
    for name in ("train", "val"):

        def examples(items=splits[name], name=name):
            for i, sample in enumerate(items):
                if progress and i % 2000 == 0:
                    progress(Progress.count(f"tokenize {name}", i, len(items)))
                yield encode_example(tokenizer, sample, trace)
            if progress:
                progress(Progress.count(f"tokenize {name}", len(items), len(items)))

        arrays[name] = SplitArrays.from_examples(examples())
    counts = {name: len(items) for name, items in splits.items()}
    levels = {name: _level_counts(items) for name, items in splits.items()}
    manifest = write_shards(
        out_dir,
        arrays,
        tokenizer,
        provenance={
            **provenance,
            "task": "tinypy",
            "mode": "trace" if trace else "output",
            "example": "BOS + prompt_text + target_text + EOS; loss mask 1 on target_text and EOS",
            "split": {"seed": seed, "val_frac": val_frac, "test_n": test_n},
            "counts": counts,
            "levels": levels,
            "test_file": "test.jsonl",
        },
        overwrite=overwrite,
    )
    rows = []
    for sample in splits["test"]:
        row = {"program": sample.program, "output": sample.output, "level": sample.level}
        if trace:
            row["trace"] = sample.trace
        rows.append(json.dumps(row))
    atomic.write_text(out_dir / "test.jsonl", "\n".join(rows) + "\n" if rows else "")
    return DatasetResult(out_dir, manifest, counts, levels)


def _level_counts(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sample in samples:
        key = sample.level or "unknown"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def held_out_programs(data_dir: str | Path) -> set[str]:
    """The programs a `codeling tinypy data` directory keeps out of training (its test.jsonl and its
    val split, decoded from the shards), normalised: what a set built to train beside it must avoid."""
    data_dir = Path(data_dir)
    shards = Shards(data_dir)
    provenance = shards.manifest.get("provenance", {})
    if provenance.get("task") != "tinypy":
        raise CodelingError(f"{data_dir} is not a TinyPy data directory; pass one made by `codeling tinypy data`.")
    tokenizer = shards.tokenizer()
    programs = {normalise_program(s.program) for s in read_test_jsonl(data_dir / "test.jsonl")}
    val = shards.split("val")
    ends = [*val.starts[1:], len(val.tokens)]
    for start, end in zip(val.starts, ends):
        text = tokenizer.decode(val.tokens[int(start) : int(end)].tolist())  # prompt_text + target_text
        if provenance.get("mode") == "trace":
            program = split_trace(text)[0].removeprefix(CODE_HEADER + "\n")
        else:
            program = text.partition("\n" + OUTPUT_HEADER + "\n")[0]
        programs.add(normalise_program(program))
    return programs


def read_test_jsonl(path: str | Path) -> list[Sample]:
    """The samples of a test.jsonl written by build_dataset."""
    path = Path(path)
    if not path.is_file():
        raise CodelingError(f"{path} does not exist; pass the test.jsonl of a `codeling tinypy data` directory.")
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            samples.append(Sample(row["program"], list(row["output"]), row.get("level"), row.get("trace"), line=number))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CodelingError(
                f"{path} line {number} is not a TinyPy test row ({e}); rebuild it with `codeling tinypy data`."
            ) from None
    return samples
