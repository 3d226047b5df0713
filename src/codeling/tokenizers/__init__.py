"""Tokenizers behind one interface (encode, decode, vocab_size, save, load)."""

from codeling.tokenizers.base import Tokenizer
from codeling.tokenizers.bpe import BPETokenizer
from codeling.tokenizers.char import CharTokenizer
from codeling.tokenizers.loading import load_tokenizer, tokenizer_from_json
from codeling.tokenizers.tinypy import TinyPyTokenizer

__all__ = ["BPETokenizer", "CharTokenizer", "TinyPyTokenizer", "Tokenizer", "load_tokenizer", "tokenizer_from_json"]
