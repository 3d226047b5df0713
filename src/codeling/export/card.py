"""The model card: README.md with the Hub's front matter, written into every export.

It says what the model is (architecture, parameters, tokenizer), what it learned from (the data's
manifest, the steps and tokens of training) and how well (the run's report.json and its last
validation loss), and how to load it where it was exported for. Everything is read from files the
run left on disk; what is missing is left out, never guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codeling import rundir
from codeling.export.mapping import Mapping
from codeling.train.checkpoint import Loaded


@dataclass(frozen=True)
class Target:
    """What the card's "how to load" shows: the format and, for GGUF, its file name."""

    format: str  # "hf" or "gguf"
    mapping: Mapping
    gguf_file: str | None = None
    tokenizer_note: str | None = None  # a GGUF tokenizer caveat, in one sentence
    prompt_prefix: str = ""  # what a llama-cli or Ollama prompt must start with (a BOS llama.cpp will not add)


def modelfile(target: Target) -> str:
    """Ollama's Modelfile for a GGUF export: the file, the bare prompt (no chat template), greedy."""
    return f'FROM ./{target.gguf_file}\nTEMPLATE "{target.prompt_prefix}{{{{ .Prompt }}}}"\nPARAMETER temperature 0\n'


def run_dir_of(checkpoint: Path) -> Path | None:
    """The run directory a checkpoint sits in (runs/X/checkpoints/step-N -> runs/X), if it does."""
    return rundir.run_of(checkpoint)


def _json(path: Path | None) -> dict:
    try:
        return json.loads(path.read_text()) if path is not None else {}
    except (OSError, ValueError):
        return {}


def last_val_loss(run_dir: Path | None) -> tuple[int, float] | None:
    if run_dir is None or not (run_dir / rundir.METRICS).is_file():
        return None
    found = None
    for line in (run_dir / rundir.METRICS).read_text().splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("split") == "val" and "loss" in row:
            found = (row["step"], row["loss"])
    return found


def evaluation_lines(run_dir: Path | None) -> list[str]:
    lines = []
    loss = last_val_loss(run_dir)
    if loss is not None:
        lines.append(f"- validation loss {loss[1]:.4f} nats/token at step {loss[0]:,} (metrics.jsonl)")
    report = _json(run_dir / rundir.REPORT if run_dir else None)
    overall = report.get("overall")
    if isinstance(overall, dict) and "n" in overall:
        lines.append(
            f"- TinyPy test set ({report.get('mode', 'output')} mode, greedy): output exact {overall['output']:.1%} "
            f"of {overall['n']:,} programs (report.json)"
        )
    for name, ood in (report.get("out_of_distribution") or {}).items():
        lines.append(
            f"- out of distribution, {name}: output exact {ood['overall']['output']:.1%} of {ood['overall']['n']:,}"
        )
    return lines or ["- no evaluation report was found beside this checkpoint"]


def data_lines(loaded: Loaded) -> list[str]:
    data_dir = loaded.config.data.dir
    manifest = _json(Path(data_dir) / rundir.MANIFEST if data_dir else None)
    lines = [f"- data directory: `{data_dir}`" if data_dir else "- data directory: not recorded"]
    splits = manifest.get("splits") or {}
    if splits:
        counts = ", ".join(f"{name} {info['tokens']:,} tokens" for name, info in splits.items())
        lines.append(f"- shards: {counts}")
    source = (manifest.get("provenance") or {}).get("source")
    if source:
        lines.append(f"- source: `{json.dumps(source)[:300]}`")
    step = rundir.step_of(loaded.path)
    if step is not None:
        lines.append(f"- trained for {step:,} steps (`{loaded.path.name}`)")
    return lines


def how_to_load(target: Target, folder: str) -> str:
    if target.format == "gguf":
        note = f"\n{target.tokenizer_note}\n" if target.tokenizer_note else ""
        return f"""```python
from llama_cpp import Llama

llm = Llama(model_path="{target.gguf_file}", n_ctx=0, verbose=False)
print(llm("x = 3", max_tokens=32, temperature=0)["choices"][0]["text"])
```

llama.cpp's own tools: `llama-cli -m {target.gguf_file} -p "{target.prompt_prefix}x = 3" -n 32 --temp 0`.

Ollama (`ollama create codeling -f Modelfile`, then `ollama run codeling`), with the `Modelfile` beside
this card (not tested here: no Ollama on the machine that made it):

```
{modelfile(target)}```
{note}"""
    remote = ", trust_remote_code=True" if target.mapping.name == "codeling" else ""
    return f"""```python
from transformers import AutoModelForCausalLM, AutoTokenizer

model = AutoModelForCausalLM.from_pretrained("{folder}"{remote})
tokenizer = AutoTokenizer.from_pretrained("{folder}"{remote})
ids = tokenizer("x = 3", return_tensors="pt")
print(tokenizer.decode(model.generate(**ids, max_new_tokens=32, do_sample=False)[0]))
```
"""


def model_card(loaded: Loaded, target: Target, folder: str) -> str:
    config = loaded.config.model
    run_dir = run_dir_of(loaded.path)
    tags = ["codeling", "code"] + ([target.mapping.name] if target.mapping.name != "codeling" else [])
    tags += ["gguf"] if target.format == "gguf" else []
    front = ["---", "library_name: " + ("gguf" if target.format == "gguf" else "transformers"), "tags:"]
    front += [f"- {tag}" for tag in tags] + ["pipeline_tag: text-generation", "---"]
    positions = f"{config.positions} positions"
    options = [positions] + ([f"QK-norm (scale {config.qk_norm:g})"] if config.qk_norm else [])
    options += [f"{config.n_memory} memory tokens per layer"] if config.n_memory else []
    options += [] if config.bias else ["no biases"]
    shape = f"{config.n_layer} layers, {config.n_head} heads, width {config.n_embd}, MLP {config.mlp_ratio}x"
    tok = loaded.tokenizer
    tokenizer = f"codeling `{tok.kind}`, {tok.vocab_size:,} tokens; BOS id {tok.bos_id}, EOS id {tok.eos_id}"
    body = f"""
# {run_dir.name if run_dir else loaded.path.name}

A small GPT trained with codeling and exported with `codeling export --format {target.format}`.

## Model

- architecture: `{target.mapping.name}` ({target.mapping.reason})
- {shape}, window {config.block_size} tokens; {", ".join(options)}
- parameters: {loaded.model.num_params():,} (token embedding tied to the output head)
- tokenizer: {tokenizer}

## Training

{chr(10).join(data_lines(loaded))}
- task: `{json.dumps(loaded.config.task) if loaded.config.task else "not recorded"}`

## Evaluation

{chr(10).join(evaluation_lines(run_dir))}

## How to load

{how_to_load(target, folder)}"""
    return "\n".join(front) + "\n" + body
