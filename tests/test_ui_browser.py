"""The chat in a real headless Chromium: ask, read the cited sources, follow the links."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import serve_app

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 30_000

pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"{CHROMIUM} is missing: run `bash scripts/install-browser.sh` (Debian chromium and "
                "fonts-noto-cjk) to run the browser tests", allow_module_level=True)


@pytest.fixture(scope="session")
def ui_url(live_app):
    return live_app[0]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def open_page(browser):
    """Open a fresh page on an app; requests that would leave the machine are refused and recorded."""
    contexts = []

    def open_(url):
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        outside, dialogs = [], []

        def route(r):
            if re.match(r"^(https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:)", r.request.url):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        pg = context.new_page()
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(url)
        pg.wait_for_selector("#question textarea")
        pg.outside, pg.dialogs = outside, dialogs
        return pg

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page, ui_url):
    return open_page(ui_url)


def ask(page, question: str, turn: int = 1) -> str:
    """Type the question, press Enter, wait for the full answer; its text."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector(f'#sources .sources[data-turn="{turn}"]')
    return page.locator("#chat .answer").last.inner_text()


def in_view(page, selector: str) -> bool:
    return page.eval_on_selector(selector, """el => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight && r.height > 0;
    }""")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_answer_with_highlighted_sources_and_working_links(page):
    answer = ask(page, "唐杰怎么看RLVR？")
    assert "唐杰" in answer
    assert page.locator("#chat .answer-meta .badge").first.inner_text() == "唐杰"
    marks = page.locator("#sources .sources[data-turn='1'] > .src mark").all_inner_texts()
    assert marks and all(_squash(m) in _squash(answer) for m in marks)
    assert page.locator("#src-1-1 header .badge").inner_text() == "唐杰"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"))

    cites = page.locator("#chat a.cite")
    last = cites.count()
    assert last >= 1
    cites.nth(last - 1).click()
    target = f"#src-1-{last}"
    page.wait_for_selector(f"{target}.targeted")
    page.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }", arg=target[1:])
    assert page.locator(".targeted").count() == 1

    page.locator("#src-1-1 a.to-transcript").click()
    page.wait_for_selector("#transcript .t-para.targeted")
    quoted = page.locator("#src-1-1 mark").first.text_content()
    para = page.locator("#transcript .t-para.targeted")
    assert _squash(quoted) in _squash(para.inner_text())
    page.wait_for_function("() => { const r = document.querySelector('#transcript .targeted')"
                           ".getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }")
    assert page.get_by_role("tab", name=re.compile("^Transcript")).get_attribute("aria-selected") == "true"
    assert page.outside == [] and page.dialogs == []


def test_html_in_a_question_is_shown_as_text(page):
    question = "<img src=x onerror=alert(1)> <b>唐杰</b>怎么看RLVR？"
    ask(page, question)
    assert page.locator("#chat .q").last.inner_text() == question
    assert page.locator("#chat .q img, #chat .q b").count() == 0
    assert page.dialogs == []


def test_follow_up_uses_the_earlier_question(page):
    ask(page, "唐杰怎么看RLVR？")
    ask(page, "那杨植麟呢？", turn=2)
    assert "杨植麟" in page.locator("#chat .answer-meta").last.inner_text()
    assert page.locator("#sources details.earlier").count() == 1


def test_phone_width_stacks_the_columns(page):
    page.set_viewport_size({"width": 390, "height": 844})
    chat = page.locator("#chat-col").bounding_box()
    sources = page.locator("#sources-col").bounding_box()
    assert sources["y"] >= chat["y"] + chat["height"] - 1
    assert chat["width"] <= 390 and sources["width"] <= 390


def test_transcript_filter_by_speaker(page):
    page.get_by_role("tab", name=re.compile("^Transcript")).click()
    total = page.locator("#transcript .t-para").count()
    page.locator("#transcript-filter").get_by_label("姚顺雨 · Yao Shunyu").check()
    page.wait_for_selector("#transcript .t-para[hidden]", state="attached")
    shown = page.locator("#transcript .t-para:not([hidden])")
    assert 0 < shown.count() < total
    assert all("姚顺雨" in badges for badges in
               shown.evaluate_all("els => els.map(e => [...e.querySelectorAll('.badge')].map(b => b.textContent))"))


def test_english_answer_shows_renderings_and_the_english_edition(page, pipeline):
    question = "What did Lin Junyang regret about the chip project?"
    ask(page, question)
    citations = pipeline.answer(question).citations   # what the page must show, card by card
    assert any(c.quote_en for c in citations)
    for c in citations:
        card = page.locator(f"#src-1-{c.n}")
        assert _squash("".join(card.locator(".src-text mark").all_text_contents())) == _squash(c.quote)
        english = card.locator(".src-en")
        if not c.quote_en:
            assert english.count() == 0
            continue
        assert english.locator(".src-en-label").inner_text().startswith("English (translated)")
        assert english.locator("p").inner_text() == c.quote_en.strip()
        assert english.bounding_box()["y"] >= card.locator(".src-text").bounding_box()["y"] + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer-en.png"))

    page.get_by_role("tab", name=re.compile("^Transcript")).click()
    toggle = page.locator("#transcript-english input[type='checkbox']")
    assert not toggle.is_checked() and page.locator("#transcript .t-en").count() == 0
    toggle.check()
    page.wait_for_selector("#transcript .t-para p.t-en")
    page.get_by_role("tab", name=re.compile("^Chat")).click()
    page.locator("#src-1-1 a.to-transcript").click()
    para = page.locator("#transcript .t-para.targeted")
    para.wait_for()
    first = citations[0]
    start = int(para.get_attribute("id").rsplit("-", 1)[1])
    source = next(p for p in pipeline.corpus.paragraphs_of(first.chunk.doc_id) if p.start == start)
    edition = pipeline.editions[(first.chunk.doc_id, "en")]
    original, english = para.locator("p:not(.t-en)"), para.locator("p.t-en")
    assert _squash(first.quote) in _squash(original.inner_text())
    assert english.inner_text() == edition.rendering(source.start, source.end)
    assert english.get_attribute("lang") == "en"
    page.wait_for_function("() => { const r = document.querySelector('#transcript .targeted')"
                           ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }")
    zh, en = para.evaluate("""el => [el.querySelector('p:not(.t-en)'), el.querySelector('p.t-en')]
        .map(p => { const r = p.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width}; })""")
    assert en["x"] >= zh["x"] + zh["width"] - 1 and abs(en["y"] - zh["y"]) <= 2   # side by side
    page.screenshot(path=str(ARTIFACTS / "ui-transcript-en.png"))

    total = page.locator("#transcript .t-para").count()
    page.locator("#transcript-filter").get_by_label("姚顺雨 · Yao Shunyu").check()
    page.wait_for_selector("#transcript .t-para[hidden]", state="attached")
    shown = page.locator("#transcript .t-para:not([hidden])")
    assert 0 < shown.count() < total and toggle.is_checked()
    assert shown.locator("p.t-en").count() == shown.count()
    toggle.uncheck()
    page.wait_for_selector("#transcript .t-en", state="detached")
    assert page.locator("#transcript .t-para:not([hidden])").count() == shown.count()
    assert page.outside == [] and page.dialogs == []


def test_document_filter_and_a_citation_into_its_document(open_page, two_doc_app, two_doc_pipeline):
    titles = {d: doc.title for d, doc in two_doc_pipeline.corpus.documents.items()}
    forum, summit = titles["forum"], titles[next(d for d in titles if d != "forum")]
    pg = open_page(two_doc_app[0])
    pg.locator("#doc-filter").get_by_label(forum).check()
    ask(pg, "开源模型在企业里落地了吗？")
    # every card names the forum, so do the chat's citations (a line under the answer, a tooltip)
    assert set(pg.locator("#sources .sources[data-turn='1'] > .src header .doc").all_inner_texts()) == {forum}
    assert pg.locator("#chat .answer-meta .doc").all_inner_texts() == [forum]
    assert pg.locator("#chat .answer a.cite").first.get_attribute("title") == forum
    # in speakers.json, with no turn in these documents: not offered, not introduced
    assert pg.locator("#chat-col").get_by_label("Dana Whitfield").count() == 0
    assert "陈思远" in pg.locator("#intro").inner_text() and "Dana Whitfield" not in pg.locator("#intro").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    pg.evaluate("window.scrollTo(0, 0)")
    pg.screenshot(path=str(ARTIFACTS / "ui-documents.png"))

    # the transcript tab shows the summit first; a card's link opens the forum at the quote
    pg.get_by_role("tab", name=re.compile("^Transcript")).click()
    assert pg.locator("#transcript-doc input[value='forum']").is_checked() is False
    pg.get_by_role("tab", name=re.compile("^Chat")).click()
    pg.locator("#src-1-1 a.to-transcript").click()
    para = pg.locator("#transcript .t-para.targeted")
    para.wait_for()
    assert pg.locator("#transcript-doc input[value='forum']").is_checked()
    assert _squash(pg.locator("#src-1-1 mark").first.text_content()) in _squash(para.inner_text())
    assert pg.locator("#transcript .t-para").count() == pg.locator("#transcript .t-para[id^='t-forum-']").count()
    # choosing the summit by its title reads it, with its own speakers in the filter
    pg.locator("#transcript-doc").get_by_label(summit).check()
    pg.wait_for_selector("#transcript .t-para[id^='t-forum-']", state="detached")
    assert pg.locator("#transcript-english").is_visible()
    assert pg.locator("#transcript-filter").get_by_label("赵敏 · Zhao Min").count() == 0
    assert pg.outside == [] and pg.dialogs == []


class _Failing:
    """A pipeline whose answering breaks, to see what the user gets."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def stream(self, *args, **kwargs):
        raise RuntimeError("internal detail that must not reach the page")


def test_a_failure_shows_a_message_not_a_traceback(pipeline, open_page):
    url, demo = serve_app(_Failing(pipeline))
    try:
        pg = open_page(url)
        box = pg.locator("#question textarea")
        box.fill("唐杰怎么看RLVR？")
        box.press("Enter")
        pg.wait_for_selector("#chat .error")
        assert pg.locator("#chat .error").inner_text().startswith("Sorry, something went wrong")
        body = pg.locator("body").inner_text()
        assert "Traceback" not in body and "internal detail" not in body
    finally:
        demo.close()
