"""The live app over two documents (the summit and the fixture forum), over real HTTP on
loopback: the `/ask` document filter, the chat's document filter and its source cards, the
transcript tab per document; and over one document, no trace of any of it."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.slow

TIMEOUT = 60
SUMMIT, FORUM = "agi-next-2026", "forum"
TITLES = {SUMMIT: "国产 AI 峰会 AGI-Next", FORUM: "2026 开源模型论坛"}
# Answered from the forum over both documents; the summit also speaks of open models.
OPEN_MODELS = "开源模型在企业里落地了吗？"


@pytest.fixture(scope="module")
def client(two_doc_app):
    from gradio_client import Client
    return Client(two_doc_app[0], verbose=False, analytics_enabled=False)


@pytest.fixture(scope="module")
def http(two_doc_app):
    import httpx
    with httpx.Client(base_url=two_doc_app[0].rstrip("/"), timeout=TIMEOUT) as client:
        yield client


def completed(http, fn: str, data: list, session: str) -> dict:
    """Call an event of the page (`respond`, `choose_document`, ...) through the queue as the
    browser does; the event that ends it."""
    fn_index = next(d["id"] for d in http.get("/config").json()["dependencies"] if d.get("api_name") == fn)
    body = {"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None}
    assert http.post("/gradio_api/queue/join", json=body).status_code == 200
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            event = json.loads(line[5:]) if line.startswith("data:") else {}
            if event.get("msg") == "process_completed":
                return event
    raise AssertionError(f"{fn}: no result")


def run(http, fn: str, data: list, session: str) -> list:
    """The outputs of an event that succeeds."""
    event = completed(http, fn, data, session)
    assert event["success"] is True, event
    return event["output"]["data"]


def component(http, elem_id: str) -> dict:
    return next(c for c in http.get("/config").json()["components"] if c["props"].get("elem_id") == elem_id)


def card_docs(panel: str) -> list[str]:
    """The document each source card of the latest answer names."""
    latest = panel.split('<details class="hits">', 1)[0]
    cards = re.findall(r'<article class="src".*?</header>', latest)
    return [m.group(1) if (m := re.search(r'<span class="doc" title="([^"]*)">', c)) else "" for c in cards]


# ------------------------------------------------------------------ the /ask API

def test_the_api_answers_from_the_chosen_documents_only(client, two_doc_pipeline):
    everywhere = client.predict(OPEN_MODELS, api_name="/ask")
    assert {c["doc_id"] for c in everywhere["citations"]} == {FORUM}
    assert {h["doc_id"] for h in everywhere["hits"]} == {SUMMIT, FORUM}
    texts = two_doc_pipeline.corpus.texts
    for docs in ([SUMMIT], [FORUM], [FORUM, SUMMIT]):
        result = client.predict(OPEN_MODELS, docs=docs, api_name="/ask")
        assert result["citations"] and {c["doc_id"] for c in result["citations"]} <= set(docs), docs
        assert {h["doc_id"] for h in result["hits"]} <= set(docs), docs
        for c in result["citations"]:
            assert texts[c["doc_id"]][c["start"]:c["end"]] == c["quote"]
    summit = client.predict(OPEN_MODELS, [], [], 5, [SUMMIT], api_name="/ask")   # docs is the fifth argument
    direct = two_doc_pipeline.answer(OPEN_MODELS, docs=[SUMMIT]).to_json()
    assert {k: v for k, v in summit.items() if k != "timings_ms"} == {k: v for k, v in direct.items()
                                                                       if k != "timings_ms"}
    assert summit["speakers"][0] == "林俊旸" and summit["answer"] != everywhere["answer"]


def test_one_document_may_be_a_plain_string(client):
    result = client.predict("推理成本下降了多少？", docs=FORUM, api_name="/ask")
    assert result["speakers"][0] == "陈思远" and {c["doc_id"] for c in result["citations"]} == {FORUM}


@pytest.mark.parametrize("docs, message", [
    (["nope"], f"unknown document 'nope'; known: {SUMMIT}, {FORUM}"),
    ([FORUM, "x" * 10_000], f"unknown document {'x' * 255!r}; known: {SUMMIT}, {FORUM}"),  # cut to an id's length
    ([FORUM, 3], f"docs must be a list of strings, got ['{FORUM}', 3]"),
    ({"doc": FORUM}, "docs must be a list of strings, got {'doc': 'forum'}"),
    ([FORUM] * 3, "docs: at most 2 document ids (the corpus has 2), got 3"),
])
def test_bad_documents_get_a_clear_message(client, docs, message):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError) as err:
        client.predict("推理成本下降了多少？", docs=docs, api_name="/ask")
    assert str(err.value) == message


# ------------------------------------------------------------------ the chat

def test_the_chat_filter_and_its_cards_name_the_document(http):
    assert (component(http, "doc-filter")["props"]["visible"], component(http, "doc-filter")["props"]["choices"]) \
        == (True, [[TITLES[SUMMIT], SUMMIT], [TITLES[FORUM], FORUM]])
    for docs, expected in (([SUMMIT], SUMMIT), ([], FORUM)):
        _, chat, _, panel = run(http, "respond", [OPEN_MODELS, [], [], [], 5, docs], f"chat-{expected}")
        names = card_docs(panel)
        assert names and set(names) == {expected}, names
        assert f'<span class="doc" title="{expected}">{TITLES[expected]}</span>' in panel
        message = chat[-1]["content"][0]["text"]
        assert '<span class="meta-label">Documents · 文档</span> <a class="cite" href="#src-1-1">[1]</a>' in message
        assert f'title="{TITLES[expected]}">[1]</a>' in message
        assert f'data-doc="{expected}"' in panel


# ------------------------------------------------------------------ the transcript tab

def test_the_transcript_tab_reads_one_document_at_a_time(http, two_doc_pipeline):
    chooser = component(http, "transcript-doc")["props"]
    assert (chooser["visible"], chooser["value"]) == (True, SUMMIT)
    assert chooser["choices"] == [[TITLES[SUMMIT], SUMMIT], [TITLES[FORUM], FORUM]]
    first = component(http, "transcript")["props"]["value"]
    assert f'id="t-{SUMMIT}-' in first and 'id="t-forum-' not in first

    # the forum: its people in the speaker filter (a ticked summit name is dropped), no English edition
    only, english, html = run(http, "choose_document", [FORUM, ["唐杰"], True], "transcript-1")
    assert only["choices"] == [["王立新 · Wang Lixin", "王立新"], ["陈思远 · Chen Siyuan", "陈思远"],
                               ["赵敏 · Zhao Min", "赵敏"]]
    assert only["value"] == [] and (english["visible"], english["value"]) == (False, False)
    anchors = re.findall(r'class="t-para" id="(t-[^"]+)"', html)
    starts = [p.start for p in two_doc_pipeline.corpus.paragraphs_of(FORUM)]
    assert anchors and all(a.startswith("t-forum-") and int(a.rsplit("-", 1)[1]) in starts for a in anchors)
    assert "t-en" not in html and "推理成本一年下降了大约十倍" in html

    # the speaker filter within it (same session: the filter now offers the forum's people)
    html = run(http, "filter_transcript", [FORUM, ["赵敏"], False], "transcript-1")[0]
    shown = re.findall(r'<div class="t-para" id="t-forum-\d+">(.*?)</div><p>', html)
    assert len(shown) == 2 and all("赵敏</span>" in meta for meta in shown)

    # back to the summit, with its English edition beside it
    only, english, html = run(http, "choose_document", [SUMMIT, ["赵敏"], True], "transcript-1")
    assert ["姚顺雨 · Yao Shunyu", "姚顺雨"] in only["choices"] and only["value"] == []
    assert (english["visible"], english["value"]) == (True, True)
    assert '<div class="transcript bilingual">' in html and 't-forum-' not in html


def test_an_unknown_document_for_the_transcript_is_refused(http):
    for fn, data in (("filter_transcript", ["nope", [], False]), ("choose_document", ["nope", [], False])):
        event = completed(http, fn, data, f"bad-{fn}")
        assert event["success"] is False and "Traceback" not in json.dumps(event)
        assert event["output"]["error"].startswith("Value: 'nope' (type: <class 'str'>) is not in the list of choices")


# ------------------------------------------------------------------ one document: nothing of this shows

def test_with_one_document_there_is_no_document_filter_and_no_document_name(live_app):
    import httpx
    with httpx.Client(base_url=live_app[0].rstrip("/"), timeout=TIMEOUT) as one:
        assert component(one, "doc-filter")["props"]["visible"] is False
        assert component(one, "transcript-doc")["props"]["visible"] is False
        _, chat, _, panel = run(one, "respond", ["唐杰怎么看RLVR？", [], [], [], 5, []], "one-doc")
    assert card_docs(panel) and set(card_docs(panel)) == {""}
    assert 'class="doc"' not in panel + chat[-1]["content"][0]["text"]
    assert "Documents · 文档" not in chat[-1]["content"][0]["text"]
