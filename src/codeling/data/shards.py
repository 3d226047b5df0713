"""Token shards: `train.bin`, `val.bin` (uint16, or uint32 for vocabularies over 65,535) and
`manifest.json`, read back with numpy memmap so a corpus larger than memory costs nothing to open.

Datasets made of examples (TinyPy programs with their outputs, say) add two files per split:
`SPLIT.mask.bin` (uint8, 1 where the token is a target the model must learn) and
`SPLIT.starts.bin` (uint64 offsets where each example begins), so that batches can start at an
example and learn only its target part. The shard layer knows nothing about what the examples are.

Policy-gradient data (the improvement loop's GRPO rounds) adds two float32 files per token:
`SPLIT.advantage.bin` (the advantage of the completion a target token belongs to) and
`SPLIT.logp.bin` (that token's log-probability under the policy that sampled it), which the
trainer's `policy` objective reads (train/policy.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codeling import atomic, rundir
from codeling.digest import sha256_file
from codeling.errors import CodelingError
from codeling.tokenizers import Tokenizer, load_tokenizer

FORMAT_VERSION = 1
SPLITS = ("train", "val")
FLOAT_ARRAYS = ("advantage", "logp")  # per-token float32 files of policy-gradient data


def token_dtype(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size <= 65535 else np.dtype(np.uint32)


@dataclass
class SplitArrays:
    """One split in memory: the token stream and, for example datasets, mask and example starts."""

    tokens: np.ndarray
    mask: np.ndarray | None = None
    starts: np.ndarray | None = None
    advantage: np.ndarray | None = None  # float32 per token: policy-gradient data only
    logp: np.ndarray | None = None  # float32 per token: the sampling policy's log-probability

    @classmethod
    def from_examples(cls, examples: Iterable[tuple[Sequence[int], Sequence[int]]]) -> SplitArrays:
        """Concatenate (token ids, 0/1 target mask) pairs into one stream."""
        tokens, masks, starts, offset = [], [], [], 0
        for ids, mask in examples:
            if len(ids) != len(mask):
                raise ValueError("an example's mask must have one entry per token")
            starts.append(offset)
            tokens.append(np.asarray(ids, dtype=np.int64))
            masks.append(np.asarray(mask, dtype=np.uint8))
            offset += len(ids)
        if not tokens:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.uint64))
        return cls(np.concatenate(tokens), np.concatenate(masks), np.asarray(starts, dtype=np.uint64))


def write_shards(
    out_dir: str | Path,
    splits: dict[str, SplitArrays],
    tokenizer: Tokenizer,
    provenance: dict | None = None,
    overwrite: bool = False,
) -> dict:
    """Write every split plus tokenizer.json and manifest.json into `out_dir`, atomically."""
    out_dir = Path(out_dir)
    rundir.refuse_occupied(out_dir, overwrite=overwrite)
    dtype = token_dtype(tokenizer.vocab_size)
    manifest: dict = {
        "format": "codeling-shards",
        "version": FORMAT_VERSION,
        "dtype": dtype.name,
        "tokenizer": tokenizer.identity(),
        "provenance": provenance or {},
        "splits": {},
    }
    with atomic.atomic_directory(out_dir, overwrite=True) as tmp:
        for name, arrays in splits.items():
            tokens = np.asarray(arrays.tokens)
            if tokens.size and (tokens.min() < 0 or tokens.max() >= tokenizer.vocab_size):
                raise ValueError(f"split {name} holds token ids outside the vocabulary")
            files = {"tokens": f"{name}.bin"}
            tokens.astype(dtype).tofile(tmp / files["tokens"])
            if arrays.mask is not None:
                files["mask"] = f"{name}.mask.bin"
                np.asarray(arrays.mask, dtype=np.uint8).tofile(tmp / files["mask"])
            if arrays.starts is not None:
                files["starts"] = f"{name}.starts.bin"
                np.asarray(arrays.starts, dtype=np.uint64).tofile(tmp / files["starts"])
            for key in FLOAT_ARRAYS:
                if getattr(arrays, key) is not None:
                    files[key] = f"{name}.{key}.bin"
                    np.asarray(getattr(arrays, key), dtype=np.float32).tofile(tmp / files[key])
            manifest["splits"][name] = {
                "tokens": int(tokens.size),
                "examples": None if arrays.starts is None else int(len(arrays.starts)),
                "target_tokens": None if arrays.mask is None else int(np.asarray(arrays.mask).sum()),
                "files": files,
                "sha256": {key: sha256_file(tmp / fname) for key, fname in files.items()},
            }
        tokenizer.save(tmp / rundir.TOKENIZER)
        (tmp / rundir.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


@dataclass
class Split:
    """One split opened from disk: memmapped arrays, never read whole."""

    name: str
    tokens: np.ndarray
    mask: np.ndarray | None
    starts: np.ndarray | None
    advantage: np.ndarray | None = None
    logp: np.ndarray | None = None


class Shards:
    """A shard directory opened for reading."""

    def __init__(self, directory: str | Path):
        self.dir = Path(directory)
        manifest_path = self.dir / rundir.MANIFEST
        if not manifest_path.is_file():
            raise CodelingError(
                f"{self.dir} holds no manifest.json, so it is not a codeling data directory; "
                "make one with `codeling data text` or `codeling tinypy data`."
            )
        self.manifest = json.loads(manifest_path.read_text())
        dtype = self.manifest.get("dtype")
        if dtype not in ("uint16", "uint32"):
            raise CodelingError(f"{manifest_path} gives token dtype {dtype!r}; shards must be uint16 or uint32.")
        self.dtype = np.dtype(dtype)
        expected = token_dtype(self.manifest["tokenizer"]["vocab_size"])
        if self.dtype != expected:
            raise CodelingError(
                f"{manifest_path} stores tokens as {dtype} but a vocabulary of "
                f"{self.manifest['tokenizer']['vocab_size']} needs {expected.name}; rebuild the shards."
            )

    def tokenizer(self) -> Tokenizer:
        tok = load_tokenizer(self.dir / rundir.TOKENIZER)
        if tok.identity() != self.manifest["tokenizer"]:
            raise CodelingError(
                f"{self.dir}/tokenizer.json does not match the tokenizer recorded in its manifest; rebuild the shards."
            )
        return tok

    def split(self, name: str) -> Split:
        info = self.manifest["splits"].get(name)
        if info is None:
            raise CodelingError(f"{self.dir} has no {name!r} split; it has {sorted(self.manifest['splits'])}.")
        files = info["files"]

        def open_array(key: str, dtype) -> np.ndarray | None:
            if key not in files:
                return None
            path = self.dir / files[key]
            if not path.is_file():
                raise CodelingError(f"{path} is missing; the data directory is incomplete, so rebuild it.")
            expected = info["tokens"] if key != "starts" else info["examples"]
            arr = np.memmap(path, dtype=dtype, mode="r") if path.stat().st_size else np.zeros(0, dtype)
            if len(arr) != expected:
                raise CodelingError(
                    f"{path} holds {len(arr)} items but the manifest says {expected}; the file is truncated or "
                    "of the wrong dtype, so rebuild the data."
                )
            return arr

        return Split(
            name,
            open_array("tokens", self.dtype),
            open_array("mask", np.uint8),
            open_array("starts", np.uint64),
            *(open_array(key, np.float32) for key in FLOAT_ARRAYS),
        )

    def check_tokenizer(self, identity: dict) -> None:
        """Fail clearly if a model was trained with another tokenizer than these shards use."""
        mine = self.manifest["tokenizer"]
        if mine != identity:
            raise CodelingError(
                f"The shards in {self.dir} were made with tokenizer {mine['kind']} (vocab {mine['vocab_size']}, "
                f"sha256 {mine['sha256'][:12]}) but the model uses {identity['kind']} (vocab "
                f"{identity['vocab_size']}, sha256 {identity['sha256'][:12]}); "
                "use data made with the model's tokenizer."
            )
