import pytest
from corpus_samples import module
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from codeling.errors import CodelingError
from codeling.tokenizers import BPETokenizer, load_tokenizer, tokenizer_from_json

TRICKY = [
    "def f(x):\n\tif x:\n\t\treturn '\\t'\n",
    "naïve = 'héllo wörld — 你好 😀'\n",
    "x = " + "+".join(["1"] * 3000) + "\n",
    "line_one = 1\r\nline_two = 2\r\n",
    "s = '<|endoftext|>'  # the literal text, not a boundary\n",
    "   leading spaces\n\n\n\t \t mixed\n   ",
    "",
]


@pytest.fixture(scope="module")
def trained():
    texts = [module(f"m{i}", 6) for i in range(30)]
    return BPETokenizer.train(texts, vocab_size=500)


@pytest.mark.parametrize("text", TRICKY)
def test_round_trip_on_tricky_code(trained, text):
    assert trained.decode(trained.encode(text)) == text


def test_literal_end_of_text_stays_text(trained):
    assert trained.eos_id not in trained.encode(TRICKY[4])
    assert trained.eos_id == trained.bos_id == trained.pad_id == 0 and trained.kind == "bpe"


def test_indentation_is_one_token_per_step(trained):
    pieces = [trained.hf.id_to_token(i) for i in trained.encode("    if value:\n        result = []\n")]
    assert "Ċ" + "Ġ" * 8 in pieces  # newline plus eight spaces learned as one token
    assert "result" in pieces  # and the word after it keeps its plain spelling


def test_training_is_deterministic_and_saves_as_tokenizer_json(tmp_path, trained):
    again = BPETokenizer.train([module(f"m{i}", 6) for i in range(30)], vocab_size=500)
    assert again.to_json() == trained.to_json()
    trained.save(tmp_path / "tokenizer.json")
    loaded = load_tokenizer(tmp_path / "tokenizer.json")
    assert isinstance(loaded, BPETokenizer) and loaded.identity() == trained.identity()
    assert loaded.encode(TRICKY[0]) == trained.encode(TRICKY[0])
    assert trained.encode_batch(TRICKY) == [trained.encode(t) for t in TRICKY]


def test_vocabulary_too_small_is_refused():
    with pytest.raises(CodelingError, match="vocab-size"):
        BPETokenizer.train(["x = 1\n"], vocab_size=100)


def test_a_gpt2_style_hugging_face_tokenizer_loads(tmp_path):
    # Built the way GPT-2's tokenizer.json is: BPE model, byte-level pre-tokenizer and decoder,
    # <|endoftext|> added as a special token after the merges, nothing from codeling.
    hf = HFTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    hf.train_from_iterator(
        ["hello world, hello code"] * 20,
        trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False),
    )
    hf.add_special_tokens(["<|endoftext|>"])
    hf.save(str(tmp_path / "tokenizer.json"))
    tok = load_tokenizer(tmp_path / "tokenizer.json")
    assert isinstance(tok, BPETokenizer)
    assert tok.eos_id == hf.token_to_id("<|endoftext|>") == tok.vocab_size - 1
    text = "hello world\n\tcode 😀"
    assert tok.encode(text) == hf.encode(text).ids and tok.decode(tok.encode(text)) == text


def test_unreadable_tokenizer_json_is_a_clear_error():
    with pytest.raises(CodelingError, match="cannot be read"):
        tokenizer_from_json('{"model": {"type": "Nonsense"}}')


def test_the_tokenizer_modules_import_in_one_direction():
    """No import circle: base.py imports no tokenizer, each tokenizer imports only base.py, and
    tokenizers/loading.py (which lists the kinds) imports them all."""
    import ast
    from pathlib import Path

    import codeling.tokenizers as package

    def imported(name):
        tree = ast.parse((Path(package.__file__).parent / f"{name}.py").read_text())
        found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        return {m.removeprefix("codeling.tokenizers.") for m in found if m.startswith("codeling.tokenizers")}

    assert imported("base") == set()
    assert all(imported(kind) == {"base"} for kind in ("bpe", "char", "tinypy"))
    assert imported("loading") == {"base", "bpe", "char", "tinypy"}
