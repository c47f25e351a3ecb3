"""The LQA scorecard (workbench.review.scorecard): a small document with known MQM errors whose
counts, penalty and score are worked out by hand here, shown in the HTML, JSON and Markdown
reports with each link's errors; hostile comments stay text; nothing before review; and the
scorecard columns of a batch whose pairs were reviewed in the app's database."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from lxml import html as lxml_html
from test_corpus import ENGLISH, FRENCH, batch_command

from workbench.corpus import batch, reviews, sources
from workbench.corpus.engines import LocalEngine
from workbench.corpus.worker import Worker
from workbench.fidelity import summarise
from workbench.model import Alignment, Link, LinkFidelity, ReviewError, ScoredAlignment, Segment, scored
from workbench.options import Options
from workbench.output import report_files
from workbench.output.report import build
from workbench.review.scorecard import scorecard, source_words
from workbench.review.store import Store, content_key

SIGNATURE = "workbench:test|model:fake|langs:en-fr|split:lines"
SOURCE = ["The council met on Monday.",              # 5 words
          "It approved a plan for 12 new schools.",  # 8 words
          "The mayor spoke.",                        # 3 words
          "Work starts in May."]                     # 4 words: 20 in all
TARGET = ["Le conseil s'est réuni lundi.", "Il a approuvé un plan pour 21 écoles.", "Le maire a parlé.",
          "Les travaux commencent en mai."]
HOSTILE = 'wrong <script>alert(1)</script> <img src=x onerror=alert(2)> \u202eevil\u202c & "more"'


def segments(texts: list[str]) -> list[Segment]:
    return [Segment(i, text, text, i, 0, len(text)) for i, text in enumerate(texts)]


def span(text: str, words: str) -> tuple[int, int]:
    return text.index(words), text.index(words) + len(words)


@pytest.fixture(scope="module")
def document() -> ScoredAlignment:
    """Four 1-1 links, scored by hand (what the scores say does not matter here)."""
    alignment = Alignment(segments(SOURCE), segments(TARGET), "en", "fr",
                          [Link((i,), (i,), 0.8) for i in range(4)], model="fake", signature=SIGNATURE)
    scores = [LinkFidelity(0.9, "faithful")] * 4
    return scored(alignment, scores, summarise(alignment, scores))


# The review: link 0 confirmed (its meaning_shift mark dismissed), links 1 and 2 rejected, link 3
# left unreviewed (its length_ratio mark dismissed all the same).
NUMBER = ReviewError("accuracy/mistranslation/number", "major", (span(SOURCE[1], "12"),), (span(TARGET[1], "21"),),
                     HOSTILE, mark="number_mismatch", decision="accepted")
OMISSION = ReviewError("accuracy/omission", "minor", (span(SOURCE[1], "new"),), (), "new is missing")
STYLE = ReviewError("style", "minor", (), (span(TARGET[2], "a parlé"),), "", mark="meaning_shift", decision="edited")
REVIEW = {
    0: {"status": "confirmed", "errors": (), "dismissed": ("meaning_shift",)},
    1: {"status": "rejected", "errors": (NUMBER, OMISSION)},
    2: {"status": "rejected", "errors": (STYLE,)},
    3: {"status": "unreviewed", "errors": (), "dismissed": ("length_ratio",)},
}
# By hand: the reviewed links 0-2 hold 5 + 8 + 3 = 16 source words (EWC), of the document's 20.
# Errors: 1 major (x5) and 2 minor (x1 each): APT = 5 + 1 + 1 = 7 penalty points.
# NPT = 7 / 16 x 1000 = 437.5 per 1,000 source words; raw score = 100 x (1 - 7/16) = 56.25: FAIL (< 99).
# Marks: 1 taken as suggested (the number), 1 edited (the style), 2 dismissed.
EXPECTED = {
    "errors": 3,
    "by_severity": {"minor": 2, "major": 1, "critical": 0},
    "by_category": {"accuracy/mistranslation/number": 1, "accuracy/omission": 1, "style": 1},
    "table": {"accuracy/mistranslation/number": {"minor": 0, "major": 1, "critical": 0},
              "accuracy/omission": {"minor": 1, "major": 0, "critical": 0},
              "style": {"minor": 1, "major": 0, "critical": 0}},
    "penalty": 7.0, "words": 16, "document_words": 20, "normed_penalty": 437.5, "score": 56.25,
    "threshold": 99.0, "passed": False, "weights": {"minor": 1.0, "major": 5.0, "critical": 25.0},
    "reference_words": 1000, "reviewed_links": 3, "links": 4,
    "marks": {"accepted": 1, "edited": 1, "dismissed": 2},
}


def test_the_scorecard_is_the_hand_computed_one(document: ScoredAlignment) -> None:
    assert scorecard(document, REVIEW).to_json() == EXPECTED


def test_weights_and_threshold_change_the_score_as_the_formula_says(document: ScoredAlignment) -> None:
    # minor 0, major 10: APT = 10, score = 100 x (1 - 10/16) = 37.5, passing at 30
    card = scorecard(document, REVIEW, weights={"minor": 0, "major": 10, "critical": 100}, threshold=30)
    assert (card.penalty, card.score, card.passed) == (10.0, 37.5, True)
    # the default weights per 100 reference words: 7 / 16 x 100 = 43.75
    assert scorecard(document, REVIEW, reference_words=100).normed_penalty == 43.75
    with pytest.raises(ValueError, match="critical"):
        scorecard(document, REVIEW, weights={"minor": 1, "major": 5})
    # a link confirmed without errors: 5 words, no penalty, 100 and a pass
    clean = scorecard(document, {0: {"status": "confirmed"}})
    assert (clean.words, clean.penalty, clean.score, clean.passed) == (5, 0.0, 100.0, True)


def test_nothing_reviewed_is_no_scorecard(document: ScoredAlignment) -> None:
    assert scorecard(document, None) is None
    assert scorecard(document, {}) is None
    # dismissing a mark reviews no link
    assert scorecard(document, {0: {"status": "unreviewed", "dismissed": ("meaning_shift",)}}) is None


@pytest.mark.parametrize(("text", "words"), [
    ("It approved a plan for 12 new schools.", 8),
    ("Iran's well-known 2,000 rials", 5),        # Iran's, well-known, 2, 000, rials
    ("我们在2024年去了Paris。", 8),                # 我 们 在 2024 年 去 了 Paris
    ("東京タワーへ行く", 8),                        # one word a Han or kana character
    ("나는 학교에 간다", 3),                        # Korean spaces its words
    ("می\u200cروم به خانه", 3),                    # a Persian word holds its ZWNJ
    ("", 0),
])
def test_source_words_count_scripts_without_spaces_by_character(text: str, words: int) -> None:
    assert source_words(text) == words


def test_json_report_has_the_scorecard_and_each_links_errors(document: ScoredAlignment, tmp_path: Path) -> None:
    data = json.loads(report_files.write(document, tmp_path / "reviewed.json", REVIEW).read_text(encoding="utf-8"))
    assert data["scorecard"] == EXPECTED
    assert data["signature"] == SIGNATURE
    number, omission = data["links"][1]["errors"]
    assert (number["severity"], number["label"], number["src_words"], number["tgt_words"], number["comment"]) == (
        "major", "Accuracy: mistranslation of a number", ["12"], ["21"], HOSTILE)
    assert (number["mark"], number["decision"]) == ("number_mismatch", "accepted")
    assert (omission["src_words"], omission["tgt_words"]) == (["new"], [])
    assert data["links"][2]["errors"][0]["tgt_words"] == ["a parlé"]
    assert data["links"][0]["errors"] == [] and data["links"][3]["errors"] == []


def test_html_report_shows_the_scorecard_and_the_errors_as_text(document: ScoredAlignment, tmp_path: Path) -> None:
    path = report_files.write(document, tmp_path / "reviewed.html", REVIEW)
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert html.escape(HOSTILE.replace("\u202e", "").replace("\u202c", "")) in text
    tree = lxml_html.parse(str(path))
    (card,) = tree.xpath('//section[@id="scorecard"]')
    assert card.xpath('string(.//span[contains(@class, "passfail")])') == "FAIL"
    figures = {figure.xpath('string(div[@class="name"])'): figure.xpath('string(div[@class="value"])')
               for figure in card.xpath('.//div[@class="figure"]')}
    assert figures == {"MQM score": "56.25", "penalty points": "7", "per 1,000 source words": "437.50",
                       "source words reviewed": "16 of 20", "links reviewed": "3 of 4"}
    table = [[cell.text_content() for cell in row.xpath("td|th")] for row in card.xpath(".//table//tr")]
    assert table == [
        ["error category", "minor ×1", "major ×5", "critical ×25", "errors"],
        ["Accuracy: mistranslation of a number", "0", "1", "0", "1"],
        ["Accuracy: omission", "1", "0", "0", "1"],
        ["Style", "1", "0", "0", "1"],
        ["all categories", "2", "1", "0", "3"],
    ]
    assert "1 taken as suggested · 1 taken edited · 2 dismissed" in card.text_content()
    assert "a score of 99 or more passes" in card.text_content()
    # each link's errors with the link: severity, category, the words quoted, the comment
    items = tree.xpath('//tr[@id="link-1"]/td[@class="review"]//li')
    assert [item.text_content() for item in items] == [
        "major Accuracy: mistranslation of a number: source “12”; target “21”"
        + HOSTILE.replace("\u202e", "").replace("\u202c", ""),
        "minor Accuracy: omission: source “new”new is missing",
    ]
    assert tree.xpath('string(//tr[@id="link-2"]/td[@class="review"]//li)') == "minor Style: target “a parlé”"
    assert SIGNATURE in tree.xpath('string(//p[@class="signature"])')


def test_markdown_report_shows_the_scorecard_and_the_errors_inert(document: ScoredAlignment, tmp_path: Path) -> None:
    text = report_files.write(document, tmp_path / "reviewed.md", REVIEW).read_text(encoding="utf-8")
    section = text.split("## Scorecard")[1].split("\n## ")[0]
    assert ("**MQM score 56.25: FAIL** · penalty points 7 · per 1,000 source words 437.50 · "
            "source words reviewed 16 of 20 · links reviewed 3 of 4") in section
    assert "| Accuracy: mistranslation of a number | 0 | 1 | 0 | 1 |" in section
    assert "| Accuracy: omission | 1 | 0 | 0 | 1 |" in section and "| Style | 1 | 0 | 0 | 1 |" in section
    assert "| **all categories** | **2** | **1** | **0** | **3** |" in section
    assert "Detector marks: 1 taken as suggested · 1 taken edited · 2 dismissed" in section
    rejected = text.split("## Rejected by the reviewer (2)")[1]
    assert (r"rejected: major Accuracy: mistranslation of a number, source “12”; target “21” — wrong "
            r"\<script\>alert(1)\</script\> \<img src=x onerror=alert(2)\> evil \& " + '"more"; minor Accuracy: '
            "omission, source “new” — new is missing |") in rejected
    assert "<script>" not in text and "\u202e" not in text
    assert f"Made with `{SIGNATURE}`" in text


def test_a_report_before_review_has_no_scorecard(document: ScoredAlignment, tmp_path: Path) -> None:
    assert "scorecard" not in build(document)
    assert build(document, {})["scorecard"] is None
    for suffix in (".html", ".md"):
        text = report_files.write(document, tmp_path / f"unreviewed{suffix}", {}).read_text(encoding="utf-8")
        assert "Scorecard" not in text and SIGNATURE in text


def store_document(db: Store, original: str, translation: str, name: str) -> int:
    """A document as the app stores an upload: its texts as read, aligned one line a link."""
    lines = (original.splitlines(), translation.splitlines())
    alignment = Alignment(segments(lines[0]), segments(lines[1]), "en", "fr",
                          [Link((i,), (i,), 0.8) for i in range(len(lines[0]))], model="fake")
    return db.save(alignment, name=name, key=content_key(original, translation, name=name),
                   source_text=original, translation_text=translation, who="alice")


def test_batch_rows_carry_the_scorecard_of_their_reviewed_pair(tmp_path: Path, fake_encoder, monkeypatch) -> None:
    """Pair 0 was reviewed in the app under another name and other options: its texts find it."""
    for side, lines in (("en", ENGLISH), ("fr", FRENCH)):
        (tmp_path / side).mkdir()
        for k in range(2):
            (tmp_path / side / f"{k}.txt").write_text("\n".join(lines[k:]) + "\n", encoding="utf-8")
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("original,translation\nen/0.txt,fr/0.txt\nen/1.txt,fr/1.txt\n", encoding="utf-8")
    texts = [(tmp_path / side / "0.txt").read_text(encoding="utf-8") for side in ("en", "fr")]
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    path = tmp_path / "home" / "data" / "review.sqlite"  # the app's database (workbench.paths.database)
    db = Store(path)
    doc = store_document(db, *texts, name="0.txt + 0.txt")
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 1, "accuracy/omission", "schools dropped", severity="major", who="alice")
    # the same texts stored again, one link reviewed: the fuller review is the one taken
    db.confirm(store_document(db, *texts, name="again"), 2, who="bob")
    # By hand: links 0-1 reviewed, 9 + 7 = 16 source words ("The council met on Monday to discuss
    # the budget." and "It approved a plan for new schools."); one major error: APT = 5;
    # NPT = 5 / 16 x 1000 = 312.5; score = 100 x (1 - 5/16) = 68.75, a fail.
    expected = {"mqm_errors": "1", "mqm_penalty": "5.0", "mqm_per_1000": "312.5", "mqm_score": "68.75",
                "mqm_pass": "False"}
    cards = reviews.scorecards(db)
    assert [card.reviewed_links for card in cards.values()] == [2]

    options = Options()
    out = tmp_path / "out"
    result = batch.run(sources.plan(manifest), out, options, LocalEngine(options, Worker(options, fake_encoder)),
                       reviews=cards)
    assert [(row.mqm_score, row.mqm_pass) for row in result.rows] == [(68.75, False), (None, None)]
    with (out / "pairs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [{key: row[key] for key in expected} for row in rows] == [expected, dict.fromkeys(expected, "")]
    frame = pd.read_parquet(out / "pairs.parquet")
    assert frame["mqm_errors"].dtype == "Int64" and frame["mqm_pass"].dtype == "boolean"
    assert frame["mqm_score"].iloc[0] == 68.75 and pd.isna(frame["mqm_score"].iloc[1])
    index = lxml_html.parse(str(out / "index.html"))
    column = index.xpath('count(//thead/tr/th[.="MQM score"]/preceding-sibling::th)') + 1
    shown = {row.xpath("string(td[1])"): row.xpath(f"string(td[{column:.0f}])") for row in index.xpath("//tbody/tr")}
    assert shown == {"en/0.txt": "68.75 FAIL", "en/1.txt": "—"}

    # `batch --db PATH`: the same columns, and a rerun that aligns nothing shows the review as it is now
    db.confirm(doc, 2, who="alice")  # 9 more words: 5 / 25 -> 100 x (1 - 5/25) = 80
    assert batch_command(monkeypatch, fake_encoder, manifest, "--out", out, "--db", path) == 0
    with (out / "pairs.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [row["mqm_score"] for row in csv.DictReader(handle)] == ["80.0", ""]
    # `--db` alone reads the app's database; without it, no scorecard columns are filled
    for args, scores in ((["--db"], ["80.0", ""]), ([], ["", ""])):
        assert batch_command(monkeypatch, fake_encoder, manifest, "--out", out, *args) == 0
        with (out / "pairs.csv").open(encoding="utf-8-sig", newline="") as handle:
            assert [row["mqm_score"] for row in csv.DictReader(handle)] == scores
    assert batch_command(monkeypatch, fake_encoder, manifest, "--out", out, "--db", tmp_path / "none.sqlite") == 2
