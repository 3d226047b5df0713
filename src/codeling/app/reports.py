"""The evaluation reports a run directory holds, for the TinyPy and Runs tabs: TinyPy reports
(`report.json` of `codeling demo` / `tinypy datahack`, or what `codeling tinypy eval --json` wrote),
pass@k reports (`codeling eval humaneval|tasks|problems --json`) and a self-improvement run's
`report.json` rounds. Any *.json directly in the run directory is looked at; files of other shapes
(configs, tokenizers) are passed over. Read fresh on every call.

A report is read through codeling.files (bounded, a regular file inside the run) and every field is
type-checked where it is used, because anyone can write a *.json into a run: a field of the wrong
type shows as blank, and text for the page's Markdown goes through markup.plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codeling import files
from codeling.app.markup import plain
from codeling.errors import CodelingError

MAX_BYTES = 20_000_000  # a report is small; a bigger JSON is something else
MAX_ROWS = 500  # rounds shown from one self-improvement report


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Report:
    name: str  # file name inside the run directory
    kind: str  # "tinypy", "pass@k" or "improve"
    data: dict
    mtime_ns: int


def kind_of(data) -> str | None:
    """What report this JSON is, by its shape; None when it is none of them."""
    if not isinstance(data, dict):
        return None
    overall = data.get("overall")
    if isinstance(overall, dict) and "pass_at_k" in overall:
        return "pass@k"
    if isinstance(overall, dict) and "n" in overall and ("levels" in data or "features" in data):
        return "tinypy"
    if isinstance(data.get("rounds"), list):
        return "improve"
    return None


def find_reports(folder: str | Path) -> list[Report]:
    """The evaluation reports in folder (not its subfolders), newest first."""
    folder = Path(folder)
    found = []
    for path in folder.glob("*.json") if folder.is_dir() else []:
        try:
            stat = path.stat()
            data = files.read_json(files.inside(folder, path.name, "A report"), MAX_BYTES, "report")
        except (OSError, CodelingError):
            continue  # still being written, not JSON, too big or outside the run: not a report
        kind = kind_of(data)
        if kind is not None:
            found.append(Report(path.name, kind, data, stat.st_mtime_ns))
    return sorted(found, key=lambda r: (-r.mtime_ns, r.name))


def latest_tinypy(folder: str | Path) -> Report | None:
    return next((r for r in find_reports(folder) if r.kind == "tinypy"), None)


def is_trace(data: dict) -> bool:
    return data.get("mode") == "trace"


def tinypy_levels(data: dict) -> tuple[list[str], list[list[str]]]:
    """A TinyPy report per level: level, n, output accuracy (and hard, soft for trace models), then
    the overall row; a report without levels is shown per feature value instead."""
    trace = is_trace(data)
    headers = ["level", "n", "output accuracy"] + (["hard", "soft"] if trace else [])

    def row(label: str, score: dict) -> list[str]:
        cells = [label, _text(score.get("n", ""))] + [_pct(score.get(k)) for k in ("output", "hard", "soft")]
        return cells[: len(headers)]

    rows = [row(_text(level), score) for level, score in _dict(data.get("levels")).items() if isinstance(score, dict)]
    if not rows:
        for feature, values in _dict(data.get("features")).items():
            rows += [row(_text(f"{feature}={v}"), s) for v, s in _dict(values).items() if isinstance(s, dict)]
    if isinstance(data.get("overall"), dict):
        rows.append(row("overall", data["overall"]))
    return headers, rows


def tinypy_caption(report: Report) -> str:
    """Markdown: every value from the report is escaped (a `mode` of `<img src=...>` stays text)."""
    data = report.data
    checkpoint = data.get("checkpoint") or "?"
    samples = _dict(data.get("data")).get("samples", _dict(data.get("overall")).get("n", "?"))
    return (
        f"{plain(report.name)}: {plain(data.get('mode', 'output'), 40)} model {plain(checkpoint)}, "
        f"{plain(samples, 20)} samples, output accuracy {_pct(_dict(data.get('overall')).get('output'))}"
    )


EVAL_HEADERS = ["file", "kind", "what", "n", "scores"]


def eval_rows(reports: list[Report]) -> list[list[str]]:
    """One compact row per TinyPy or pass@k report, one per round of a self-improvement report."""
    rows = []
    for report in reports:
        data = report.data
        if report.kind == "tinypy":
            overall = data["overall"]
            keys = ("output", "hard", "soft") if is_trace(data) else ("output",)
            scores = ", ".join(f"{k} {_pct(overall.get(k))}" for k in keys)
            what = f"{_text(data.get('mode', 'output'), 40)}, {len(_dict(data.get('levels')))} levels"
            rows.append([report.name, "TinyPy", what, _text(overall.get("n", "")), scores])
        elif report.kind == "pass@k":
            overall = data["overall"]
            settings = _dict(data.get("settings"))
            what = ", ".join(f"{k} {_text(settings[k], 20)}" for k in ("n", "temperature") if k in settings)
            n = f"{_text(overall.get('problems', '?'), 20)} problems × {_text(overall.get('samples', '?'), 20)}"
            rows.append([report.name, "pass@k", what, n, _pass_at_k(_dict(overall.get("pass_at_k")))])
        else:
            for i, r in enumerate(data["rounds"][:MAX_ROWS]):
                if not isinstance(r, dict):
                    continue
                scores = [
                    f"{_text(split, 20)} {_text(k, 20)} {_pct(v)}"
                    for split, values in r.items()
                    if isinstance(values, dict) and not split.endswith(tuple(f"_by_{g}" for g in ("family", "level")))
                    for k, v in values.items()
                    if str(k).startswith("pass@")
                ]
                kept = f"{_text(r['kept'], 20)} kept" if "kept" in r else ""
                rows.append([report.name, "improve", f"round {_text(r.get('step', i), 20)}", kept, ", ".join(scores)])
    return rows


def _pass_at_k(values: dict) -> str:
    pairs = sorted(values.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() and len(str(kv[0])) < 10 else 0)
    return ", ".join(f"pass@{_text(k, 10)} {_pct(v)}" for k, v in pairs[:10])


def _pct(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    try:
        return f"{100 * float(value):.1f}%"
    except OverflowError:  # an int past any float
        return ""
