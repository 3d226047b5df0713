"""The evaluation reports a run directory holds, for the TinyPy and Runs tabs: TinyPy reports
(`report.json` of `codeling demo` / `tinypy datahack`, or what `codeling tinypy eval --json` wrote),
pass@k reports (`codeling eval humaneval|tasks|problems --json`) and a self-improvement run's
`report.json` rounds. Any *.json directly in the run directory is looked at; files of other shapes
(configs, tokenizers) are passed over. Read fresh on every call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20_000_000  # a report is small; a bigger JSON is something else


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
            if not path.is_file() or stat.st_size > MAX_BYTES:
                continue
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # still being written, or not JSON: not a report
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
        cells = [label, str(score.get("n", ""))] + [_pct(score.get(k)) for k in ("output", "hard", "soft")]
        return cells[: len(headers)]

    rows = [row(level, score) for level, score in (data.get("levels") or {}).items() if isinstance(score, dict)]
    if not rows:
        for feature, values in (data.get("features") or {}).items():
            rows += [row(f"{feature}={v}", s) for v, s in (values or {}).items() if isinstance(s, dict)]
    if isinstance(data.get("overall"), dict):
        rows.append(row("overall", data["overall"]))
    return headers, rows


def tinypy_caption(report: Report) -> str:
    data = report.data
    checkpoint = data.get("checkpoint") or "?"
    samples = (data.get("data") or {}).get("samples", data.get("overall", {}).get("n", "?"))
    return (
        f"`{report.name}`: {data.get('mode', 'output')} model `{checkpoint}`, {samples} samples, "
        f"output accuracy {_pct(data['overall'].get('output'))}"
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
            what = f"{data.get('mode', 'output')}, {len(data.get('levels') or {})} levels"
            rows.append([report.name, "TinyPy", what, str(overall.get("n", "")), scores])
        elif report.kind == "pass@k":
            overall = data["overall"]
            settings = data.get("settings") or {}
            what = ", ".join(f"{k} {settings[k]}" for k in ("n", "temperature") if k in settings)
            n = f"{overall.get('problems', '?')} problems × {overall.get('samples', '?')}"
            rows.append([report.name, "pass@k", what, n, _pass_at_k(overall.get("pass_at_k") or {})])
        else:
            for i, r in enumerate(data["rounds"]):
                if not isinstance(r, dict):
                    continue
                scores = [
                    f"{split} {k} {_pct(v)}"
                    for split, values in r.items()
                    if isinstance(values, dict) and not split.endswith(tuple(f"_by_{g}" for g in ("family", "level")))
                    for k, v in values.items()
                    if str(k).startswith("pass@")
                ]
                kept = f"{r['kept']} kept" if "kept" in r else ""
                rows.append([report.name, "improve", f"round {r.get('step', i)}", kept, ", ".join(scores)])
    return rows


def _pass_at_k(values: dict) -> str:
    pairs = sorted(values.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0)
    return ", ".join(f"pass@{k} {_pct(v)}" for k, v in pairs)


def _pct(value) -> str:
    return f"{100 * value:.1f}%" if isinstance(value, int | float) else ""
