"""The running app's `/ask` endpoint through gradio_client: the object `rag ask --json` prints."""
from __future__ import annotations


import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def app_url(live_app):
    return live_app[0]


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


def _without_timings(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "timings_ms"}


def test_only_ask_is_a_named_endpoint(client):
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]


def test_ask_returns_what_rag_ask_json_prints(client, pipeline):
    result = client.predict("林俊旸认为中国领先的概率有多大？", [], api_name="/ask")
    assert isinstance(result, dict)
    assert result["speakers"][0] == "林俊旸"
    assert result["citations"]
    texts = pipeline.corpus.texts
    for c in result["citations"]:
        assert c["quote"] in c["text"]
        assert texts[c["doc_id"]][c["start"]:c["end"]] == c["quote"]
        assert texts[c["doc_id"]][c["chunk_start"]:c["chunk_end"]] == c["text"]
    direct = pipeline.answer("林俊旸认为中国领先的概率有多大？").to_json()
    assert _without_timings(result) == _without_timings(direct)


def test_speaker_filter_and_top_k(client):
    result = client.predict("姚顺雨怎么看To B和To C的分化？", [], ["唐杰"], 3, api_name="/ask")
    # the top 3, then only passages the answer cites that ranked lower
    cited = {c["chunk_id"] for c in result["citations"]}
    assert [h["rank"] for h in result["hits"][:3]] == [1, 2, 3]
    assert all(h["chunk_id"] in cited for h in result["hits"][3:])
    assert {h["speaker"] for h in result["hits"]} == {"唐杰"}
    assert {c["speaker"] for c in result["citations"]} <= {"唐杰"}


def test_keyword_arguments_and_history(client, pipeline):
    result = client.predict("那杨植麟呢？", history=["唐杰怎么看RLVR？"], speakers=["杨植麟"],
                            api_name="/ask")
    expected = pipeline.answer("那杨植麟呢？", ["唐杰怎么看RLVR？"], ["杨植麟"])
    assert result["rewritten_question"] == expected.rewritten != "那杨植麟呢？"
    assert {h["speaker"] for h in result["hits"]} == {"杨植麟"}


def test_html_question_is_just_a_question(client):
    result = client.predict("<script>alert(1)</script>", [], api_name="/ask")
    assert isinstance(result, dict)
    assert result["question"] == "<script>alert(1)</script>"
    assert set(result) >= {"answer", "abstained", "speakers", "citations", "hits", "timings_ms"}


@pytest.mark.parametrize("args, message", [
    (("   ", []), "question must be a non-empty string"),
    (("唐杰怎么看RLVR？", [], [], 0), "top_k must be at least 1, got 0"),
    (("唐杰怎么看RLVR？", [1, 2]), "history[0] must be a question or an object with a 'question' string, got 1"),
    (("唐杰怎么看RLVR？", {"question": "x"}), "history must be a list of turns, got {'question': 'x'}"),
])
def test_bad_requests_get_a_clear_message(client, args, message):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError) as err:
        client.predict(*args, api_name="/ask")
    assert str(err.value) == message


def test_one_speaker_may_be_a_plain_string(client):
    result = client.predict("姚顺雨怎么看To B和To C的分化？", [], "唐杰", api_name="/ask")
    assert {h["speaker"] for h in result["hits"]} == {"唐杰"}


def test_main_refuses_a_bad_port(capsys):
    from app import main
    assert main(["--port", "70000"]) == 2
    assert capsys.readouterr().err == "error: port must be in 1..65535, got 70000\n"


def test_history_of_turns_carries_the_earlier_answer(client):
    first = client.predict("Who talked about leaderboards?", [], api_name="/ask")
    answerer = first["speakers"][0]
    result = client.predict("Why did he say that?", history=[first], api_name="/ask")
    assert result["speakers"][:1] == [answerer] and result["rewritten_question"] != "Why did he say that?"
    earlier = {(c["doc_id"], c["start"]) for c in first["citations"]}
    assert result["citations"] and not earlier & {(c["doc_id"], c["start"]) for c in result["citations"]}


def test_history_is_bounded_with_a_notice(client):
    turns = [{"question": "唐杰怎么看RLVR？", "speakers": ["唐杰"], "citations": []}] * 7
    result = client.predict("他还说了什么？", history=turns, api_name="/ask")
    assert result["notices"] == ["history cut to its last 4 turns (of 7)"]
    assert result["speakers"] == ["唐杰"]
