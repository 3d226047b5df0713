"""Tokenizer compression on held-out Python: UTF-8 bytes per token on a corpus's val split for
codeling's code BPE (newline + indentation isolated before byte-level BPE) against the same BPE
trained without the indentation rule (GPT-2's pre-tokenisation) and against the character
tokenizer. Both BPEs have the same vocabulary size and train on the same train-split text. Encode
speed is measured alternated A B A B in one run. More bytes per token = shorter sequences, so more
code per context window and per training step.

    .venv/bin/python benchmarks/tokenizer_bpb.py [--corpus DIR] [--vocab-size 8192] [--max-files 3000]

Without --corpus, a corpus is built from this interpreter's standard library (first --max-files
files) in a temporary directory. Writes benchmarks/results/tokenizer_bpb.json; prints the ratio last.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from _common import alternate, save, timed
from codeling.corpus import CorpusSettings, Source, build_corpus, iter_texts, read_manifest
from codeling.tokenizers import BPETokenizer, CharTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="corpus directory (default: build one from the stdlib)")
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--max-files", type=int, default=3000, help="stdlib files for the default corpus")
    parser.add_argument(
        "--train-chars", type=int, default=30_000_000, help="train-split characters the BPEs learn from"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(scratch) / "corpus"
            stdlib = Source("stdlib", "dir", Path(sysconfig.get_paths()["stdlib"]))
            build_corpus(corpus, [stdlib], CorpusSettings(max_files=args.max_files, val_fraction=0.1), workers=2)
        manifest = read_manifest(corpus)
        val = list(iter_texts(corpus, "val"))
        val_bytes = sum(len(t.encode("utf-8")) for t in val)

        def train(indent_rule: bool) -> tuple[BPETokenizer, float]:
            start = time.perf_counter()
            tok = BPETokenizer.train(
                iter_texts(corpus, "train", args.train_chars), args.vocab_size, indent_rule=indent_rule
            )
            return tok, time.perf_counter() - start

        code_bpe, code_seconds = train(True)
        plain_bpe, plain_seconds = train(False)
        # Fitted on val too, so it never meets an unknown character: the kindest setting for it.
        char = CharTokenizer.fit(list(iter_texts(corpus, "train", args.train_chars)) + val)
        tokenizers = {"code_bpe": code_bpe, "plain_bpe": plain_bpe, "char": char}
        tokens = {
            name: sum(
                len(ids) for ids in (tok.encode_batch(val) if hasattr(tok, "encode_batch") else map(tok.encode, val))
            )
            for name, tok in tokenizers.items()
        }
        for tok in (code_bpe, plain_bpe):
            assert all(tok.decode(tok.encode(t)) == t for t in val), "a BPE failed to round-trip the val split"

        def speed(tok):
            return lambda: val_bytes / 1e6 / max(1e-9, timed(lambda: [tok.encode(t) for t in val]))

        mb_per_s = alternate({"code_bpe": speed(code_bpe), "plain_bpe": speed(plain_bpe)}, args.rounds)

    bpt = {name: val_bytes / count for name, count in tokens.items()}
    payload = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "corpus": {
            "path": str(corpus) if args.corpus else f"stdlib, first {args.max_files} files",
            "train_documents": manifest["splits"]["train"]["documents"],
            "val_documents": len(val),
            "val_bytes": val_bytes,
        },
        "vocab_size": args.vocab_size,
        "val_tokens": tokens,
        "bytes_per_token": {k: round(v, 4) for k, v in bpt.items()},
        "ratio_code_bpe_vs_plain_bpe": round(bpt["code_bpe"] / bpt["plain_bpe"], 4),
        "ratio_code_bpe_vs_char": round(bpt["code_bpe"] / bpt["char"], 4),
        "train_seconds": {"code_bpe": round(code_seconds, 2), "plain_bpe": round(plain_seconds, 2)},
        "encode_mb_per_s_single_thread": {k: [round(x, 3) for x in v] for k, v in mb_per_s.items()},
    }
    path = save("tokenizer_bpb", payload, peers=("tokenizers",))
    print(f"wrote {path}")
    print(
        f"val split: {len(val):,} files, {val_bytes:,} bytes; encode MB/s (per call, one text at a time): "
        f"code BPE {max(mb_per_s['code_bpe']):.2f}, plain BPE {max(mb_per_s['plain_bpe']):.2f}"
    )
    print(
        f"bytes per token on held-out code (vocab {args.vocab_size}): code BPE {bpt['code_bpe']:.3f}, "
        f"plain BPE {bpt['plain_bpe']:.3f}, char {bpt['char']:.3f}; code BPE / plain BPE = "
        f"{payload['ratio_code_bpe_vs_plain_bpe']:.3f}x, code BPE / char = {payload['ratio_code_bpe_vs_char']:.2f}x"
    )


if __name__ == "__main__":
    main()
