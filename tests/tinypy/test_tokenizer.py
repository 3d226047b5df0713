import pytest

from codeling.errors import CodelingError
from codeling.tinypy.builder import Knobs
from codeling.tinypy.generator import generate
from codeling.tinypy.reader import read_file
from codeling.tinypy.sample import format_sample
from codeling.tokenizers import CharTokenizer, load_tokenizer
from codeling.tokenizers.tinypy import TinyPyTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return TinyPyTokenizer()


def test_round_trip_on_generated_samples_and_traces(tokenizer):
    samples = generate(1400, "ALL", seed=4, trace=True, workers=1).samples
    samples += generate(200, "ALL", seed=4, knobs=Knobs(literals=(1000, 9999), depth=2), trace=True, workers=1).samples
    for s in samples:
        for text in (format_sample(s, level_tag=True), s.trace):
            assert tokenizer.decode(tokenizer.encode(text)) == text


def test_round_trip_on_the_public_file(tokenizer, public_sample):
    text = public_sample.read_text()
    assert tokenizer.decode(tokenizer.encode(text)) == text
    for s in read_file(public_sample).samples:
        assert tokenizer.decode(tokenizer.encode(format_sample(s))) == format_sample(s)


def test_greedy_longest_match(tokenizer):
    pieces = [tokenizer.tokens[i] for i in tokenizer.encode("if  x <= 10 :\n\tprint(x / 3)\n# output\n# 0.5")]
    assert pieces == [
        "if",
        "  ",
        "x",
        " ",
        "<=",
        " ",
        "1",
        "0",
        " ",
        ":",
        "\n",
        "\t",
        "print",
        "(",
        "x",
        " ",
        "/",
        " ",
        "3",
        ")",
        "\n",
        "# output",
        "\n",
        "# ",
        "0",
        ".",
        "5",
    ]


def test_fewer_tokens_than_characters(tokenizer):
    samples = generate(500, "ALL", seed=0, trace=True, workers=1).samples
    texts = [format_sample(s) for s in samples] + [s.trace for s in samples]
    chars = CharTokenizer.fit(texts)
    ours = sum(len(tokenizer.encode(t)) for t in texts)
    theirs = sum(len(chars.encode(t)) for t in texts)
    assert ours < 0.9 * theirs


def test_unknown_character_names_it_and_where(tokenizer):
    with pytest.raises(CodelingError, match=r"'A' at line 2, column 5"):
        tokenizer.encode("a = 5\nb = A")


def test_specials_and_save_load(tokenizer, tmp_path):
    assert len({tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id}) == 3
    ids = [tokenizer.bos_id, *tokenizer.encode("a = 1"), tokenizer.eos_id, tokenizer.pad_id]
    assert tokenizer.decode(ids) == "a = 1"
    tokenizer.save(tmp_path / "tokenizer.json")
    loaded = load_tokenizer(tmp_path / "tokenizer.json")
    assert isinstance(loaded, TinyPyTokenizer) and loaded.identity() == tokenizer.identity()
    assert all(name in tokenizer.tokens for name in "abcdefghijklmnopqrstuvwxyz0123456789")
