import gc

import pytest
import torch

import codeling.decoder as decoder
from codeling.config import ModelConfig
from codeling.errors import CodelingError
from codeling.generate import Sampling, generate_ids, generate_text
from codeling.model import GPT
from codeling.quantize import for_inference
from codeling.tokenizers import CharTokenizer


def model_and_tokenizer(**kw):
    tok = CharTokenizer(list("abcdefgh xyz\n"))
    torch.manual_seed(0)
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=64, n_layer=2, n_head=2, n_embd=32, **kw)).eval()
    return model, tok


def test_seeded_sampling_is_reproducible_and_seed_matters():
    model, tok = model_and_tokenizer()

    def run(seed):
        return generate_text(model, tok, ["abc"], Sampling(30, temperature=1.0, seed=seed))

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_top_k_one_equals_greedy():
    model, tok = model_and_tokenizer()
    greedy = generate_text(model, tok, ["ab", "xyz a"], Sampling(20, temperature=0))
    top1 = generate_text(model, tok, ["ab", "xyz a"], Sampling(20, temperature=1.3, top_k=1, seed=9))
    assert greedy == top1


def test_batched_prompts_decode_as_alone():
    model, tok = model_and_tokenizer(positions="rotary", n_memory=2)
    prompts = ["a", "abc def", "hh"]
    together = generate_text(model, tok, prompts, Sampling(15, temperature=0))
    alone = [generate_text(model, tok, [p], Sampling(15, temperature=0))[0] for p in prompts]
    assert together == alone


def test_stop_strings_and_stop_ids():
    model, tok = model_and_tokenizer()
    full = generate_text(model, tok, ["abc"], Sampling(40, temperature=0))[0]
    stop = full[5:7]
    cut = generate_text(model, tok, ["abc"], Sampling(40, temperature=0, stop=[stop]))[0]
    assert cut == full[: full.find(stop)]
    ids = generate_ids(model, [tok.encode("abc")], Sampling(40, temperature=0))[0]
    stopped = generate_ids(model, [tok.encode("abc")], Sampling(40, temperature=0), stop_ids=[ids[3]])[0]
    assert stopped == ids[: ids.index(ids[3])]


def test_generation_past_block_size_slides_the_window():
    model, tok = model_and_tokenizer()
    out = generate_ids(model, [tok.encode("abc")], Sampling(150, temperature=0.8, seed=1))[0]
    assert len(out) == 150


def greedy_without_cache(model, prompt: list[int], n: int) -> list[int]:
    """The reference: the whole sequence through the model for every new token, no cache at all."""
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(n):
            seq.append(int(model(torch.tensor([seq]))[0][0, -1].argmax()))
    return seq[len(prompt) :]


@pytest.mark.parametrize("kw", [{}, {"positions": "rotary", "n_memory": 2}, {"positions": "rotary", "qk_norm": 0.7}])
def test_fp32_greedy_tokens_equal_the_uncached_reference(kw):
    model, tok = model_and_tokenizer(**kw)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)  # far from init: no near-ties to hide behind
    prompts = [tok.encode("abc"), tok.encode("xyz hh a"), tok.encode("h")]
    batched = generate_ids(model, prompts, Sampling(30, temperature=0))  # left-padded together
    assert batched == [greedy_without_cache(model, p, 30) for p in prompts]


def test_lighter_weights_are_copies_that_generate():
    model, tok = model_and_tokenizer()
    prompt = [tok.encode("abc")]
    fp32 = generate_ids(model, prompt, Sampling(20, temperature=0))
    assert for_inference(model, "fp32") is model
    for weights in ("bf16", "int8"):
        light = for_inference(model, weights)
        assert light is not model and model.wte.weight.dtype == torch.float32
        out = generate_ids(light, prompt, Sampling(20, temperature=0))
        assert len(out[0]) == 20 and out == generate_ids(light, prompt, Sampling(20, temperature=0))
    assert generate_ids(for_inference(model, "bf16"), prompt, Sampling(5, temperature=0))[0][:2] == fp32[0][:2]
    with pytest.raises(CodelingError, match="Unknown weights"):
        for_inference(model, "fp8")


def test_decode_plan_is_kept_per_model_and_rebuilt_when_the_weights_change():
    model, tok = model_and_tokenizer(positions="rotary", n_memory=2)
    prompts = [tok.encode("abc"), tok.encode("xyz hh a")]
    before = generate_ids(model, prompts, Sampling(20, temperature=0))
    plan = decoder.decode_plan(model)
    assert decoder.decode_plan(model) is plan  # same weights: the same plan
    with torch.no_grad():  # in place, as an optimiser step does: the plan's copies are stale
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    assert decoder.decode_plan(model) is not plan
    after = generate_ids(model, prompts, Sampling(20, temperature=0))
    assert after != before and after == [greedy_without_cache(model, p, 20) for p in prompts]
    # Loading other weights (here the first model's, into a fresh one) rebuilds it too.
    twin, _ = model_and_tokenizer(positions="rotary", n_memory=2)
    assert generate_ids(twin, prompts, Sampling(20, temperature=0)) == before
    twin.load_state_dict(model.state_dict())
    assert generate_ids(twin, prompts, Sampling(20, temperature=0)) == after
    # The cache holds no model alive.
    n = len(decoder._plans)
    del model, twin
    gc.collect()
    assert len(decoder._plans) == n - 2


def test_a_failing_compiled_step_falls_back_to_the_eager_plan(monkeypatch):
    model, tok = model_and_tokenizer()
    prompts = [tok.encode("abc"), tok.encode("h")]
    eager = generate_ids(model, prompts, Sampling(12, temperature=0))

    def broken(*args):
        raise RuntimeError("no compiler here\nmore detail")

    monkeypatch.setattr(decoder, "_compiled", {"default": broken})
    monkeypatch.setattr(decoder, "compile_errors", {})
    assert generate_ids(model, prompts, Sampling(12, temperature=0), compile=True) == eager
    assert decoder.compile_errors == {"default": "RuntimeError: no compiler here"}
    assert decoder.compiled_step(torch.device("cpu")) is None  # later calls go straight to eager


def test_decoding_through_a_real_compiled_step_gives_the_eager_tokens(monkeypatch):
    """The step as `compile=True` runs it: `decoder._step` through torch.compile (dynamo's graph
    capture of the real function, with a backend that records each graph and runs it as captured,
    so the test takes seconds where inductor's code generation takes tens of them on two cores)."""
    import torch._dynamo as dynamo

    model, tok = model_and_tokenizer(positions="rotary", n_memory=2)
    prompts = [tok.encode("abc"), tok.encode("h"), tok.encode("xyz ab")]  # left-padded batch
    eager_greedy = generate_ids(model, prompts, Sampling(12, temperature=0))
    eager_sampled = generate_ids(model, prompts, Sampling(12, temperature=0.9, top_k=5, seed=3))

    graphs = []

    def recording(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    dynamo.reset()
    calls = []
    compiled = torch.compile(decoder._step, backend=recording, dynamic=False)

    def counted(*args):
        calls.append(1)
        return compiled(*args)

    monkeypatch.setattr(decoder, "_compiled", {"default": counted})
    monkeypatch.setattr(decoder, "compile_errors", {})
    assert generate_ids(model, prompts, Sampling(12, temperature=0), compile=True) == eager_greedy
    assert generate_ids(model, prompts, Sampling(12, temperature=0.9, top_k=5, seed=3), compile=True) == eager_sampled
    assert decoder.compile_errors == {}  # no fallback to the eager plan
    assert len(calls) == 2 * 11  # every token after the prefill's came from the compiled step
    assert graphs and any(n.op == "call_function" for g in graphs for n in g.graph.nodes)  # a real captured graph
    dynamo.reset()
