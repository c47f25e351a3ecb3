"""The fidelity report of seed 000, as the pipeline aligns and scores it with the fake encoder.

These tests check what the report shows and how (the verdict, the lists, the marks, right to
left text, safety with hostile text), always against the alignment it was made from; how good
the scores are is tests/test_fidelity.py's business. So the seed is aligned by the whole
pipeline with tests/fake_encoder.py, reading the Persian through tests/seed_000.py's
SEED_LEXICON, with which it links the seed's lines as the real model does (checked there, in
the model tier): no model is loaded here. The browser test renders the page in
Debian's Chromium and leaves a screenshot in tests/artifacts/report.png.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html
from seed_000 import align_seed

from workbench import cli
from workbench.errors import InputError
from workbench.fidelity import summarise
from workbench.fidelity.reference import reference_scores
from workbench.model import ISSUE_MEANINGS, ScoredAlignment, scored
from workbench.output import export, report_files
from workbench.output.report import build

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = 'Breaking <script>alert(1)</script> <img src=x onerror=alert(2)> \u202eevil\u202c "end" & more'


@pytest.fixture(scope="module")
def alignment() -> ScoredAlignment:
    """Seed 000, one line a segment, aligned and scored by the pipeline with the fake encoder,
    with the marks the real detector is asked for (tests/test_fidelity.py) put on the Basij link
    and on the link naming Christian Malard: the fake's judgements mean nothing, and what is
    tested here is how marks are shown."""
    aligned = align_seed("lines")
    scores = list(aligned.scores)
    for source_start, phrases in (
        ("Sources suggest that Iran's Revolutionary Guards", ("experienced division", "نیروهای با تجربه خود را تقسیم کرده اند")),
        ("Iran has reportedly been contacting", ("reportedly", "کریستین مالارد")),
    ):
        (k,) = [k for k, link in enumerate(aligned.links) if aligned.src_text(link).startswith(source_start)]
        texts = (aligned.src_text(aligned.links[k]), aligned.tgt_text(aligned.links[k]))
        spans = [((text.index(phrase), text.index(phrase) + len(phrase)),) for text, phrase in zip(texts, phrases)]
        scores[k] = dataclasses.replace(scores[k], label="minor", src_spans=spans[0], tgt_spans=spans[1])
    return scored(aligned.unscored(), scores, summarise(aligned, scores))


@pytest.fixture(scope="module")
def page(alignment: ScoredAlignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report_files.write(alignment, tmp_path_factory.mktemp("report") / "seed000.html")


def labelled(alignment: ScoredAlignment, label: str) -> list[int]:
    return [index for index, score in enumerate(alignment.scores) if score.label == label]


def with_hostile_omission(alignment: ScoredAlignment) -> tuple[ScoredAlignment, int]:
    """A copy whose first omitted source segment reads HOSTILE; returns it and that link."""
    index = labelled(alignment, "omission")[0]
    (segment,) = alignment.links[index].src
    src = list(alignment.src)
    src[segment] = dataclasses.replace(src[segment], text=HOSTILE, norm=HOSTILE, end=len(HOSTILE))
    return dataclasses.replace(alignment, src=src), index


def test_json_report_has_the_verdict_and_the_counts(alignment: ScoredAlignment, tmp_path: Path) -> None:
    text = report_files.write(alignment, tmp_path / "seed000.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["verdict"] == alignment.summary.verdict
    assert data["signature"] == alignment.signature and "split:lines" in data["signature"]
    assert data["coverage"] == alignment.summary.coverage
    assert {k: v for k, v in data["label_counts"].items() if v} == {
        k: v for k, v in alignment.summary.label_counts.items() if v
    }
    assert (data["src_segments"], data["tgt_segments"]) == (16, 12)
    assert len(data["links"]) == len(alignment.links)
    assert data["omissions"] == labelled(alignment, "omission") and len(data["omissions"]) >= 4
    assert data["additions"] == labelled(alignment, "addition")
    assert data["major"] == labelled(alignment, "major")
    for row, link, score in zip(data["links"], alignment.links, alignment.scores):
        assert (row["src_ids"], row["tgt_ids"], row["label"]) == (list(link.src), list(link.tgt), score.label)
        assert row["tgt_spans"] == [list(span) for span in score.tgt_spans]
    assert "حسن خمینی" in text  # ensure_ascii=False: Persian stays readable in the file


def test_html_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", text, re.I)
    assert not re.search(r"<(?:script|link|iframe|object|embed|img)\b|@import|url\(", text, re.I)
    # the seed's source URL is document text: shown, never linked
    assert "https://www.i24news.tv/en/news/international/" in text


def test_html_shows_the_verdict_and_every_link(page: Path, alignment: ScoredAlignment) -> None:
    tree = lxml_html.parse(str(page))
    assert tree.xpath('string(//span[@class="verdict"])') == alignment.summary.verdict
    rows = tree.xpath('//tr[starts-with(@id, "link-")]')
    assert [row.get("id") for row in rows] == [f"link-{i}" for i in range(len(alignment.links))]
    shown_omissions = [int(row.get("id")[5:]) for row in rows if "omission" in row.get("class").split()]
    assert shown_omissions == labelled(alignment, "omission")
    omission_list = tree.xpath('//h2[starts-with(., "Omissions")]/following-sibling::table[1]//tr[@class]')
    assert [row.xpath("string(td[3])") for row in omission_list] == [
        alignment.src_text(alignment.links[i]) for i in labelled(alignment, "omission")
    ]
    assert len(tree.xpath("//svg")) == 2  # fidelity along the document and its distribution
    assert tree.xpath("count(//svg[1]//a)") == len(alignment.links)  # one mark per link, linked to its row


def test_issue_codes_say_what_they_mean(page: Path, alignment: ScoredAlignment, tmp_path: Path) -> None:
    """A reviewer meeting `length_ratio` in a row or a count learns what it means from the page."""
    flagged = [k for k, score in enumerate(alignment.scores) if score.issues]
    assert flagged  # seed 000 has links with issues (a number on one side, a long heading)
    tree = lxml_html.parse(str(page))
    for k in flagged:
        (cell,) = tree.xpath(f'//tr[@id="link-{k}"]/td[@class="issues"]')
        assert cell.get("title") == "; ".join(ISSUE_MEANINGS[c] for c in alignment.scores[k].issues)
    chips = tree.xpath('//div[@class="counts"][span[@class="what"]="issues"]/span[contains(@class, "chip")]')
    assert {chip.text_content().rsplit(" ", 1)[0]: chip.get("title") for chip in chips} == ISSUE_MEANINGS
    markdown = report_files.write(alignment, tmp_path / "seed000.md").read_text(encoding="utf-8")
    for code, meaning in ISSUE_MEANINGS.items():
        shown = code.replace("_", "\\_")  # Markdown escapes the underscores
        assert f"| {shown} | {alignment.summary.issue_counts[code]} | {meaning} |" in markdown


def test_persian_cells_are_right_to_left(page: Path, alignment: ScoredAlignment) -> None:
    tree = lxml_html.parse(str(page))
    full_table = [cell.text_content() for cell in tree.xpath('//tr[starts-with(@id, "link-")]/td[@dir="rtl"]')]
    assert full_table == [alignment.tgt_text(link) for link in alignment.links if link.tgt]
    assert all(cell.get("lang") == "fa" for cell in tree.xpath('//td[@dir="rtl"]'))
    english = tree.xpath('//tr[starts-with(@id, "link-")]/td[@lang="en"]')
    assert english and all(cell.get("dir") == "ltr" for cell in english)


def test_divergent_spans_are_marked(page: Path, alignment: ScoredAlignment) -> None:
    tree = lxml_html.parse(str(page))
    marked_somewhere = False
    for index, (link, score) in enumerate(zip(alignment.links, alignment.scores)):
        for lang, text, spans in (("en", alignment.src_text(link), score.src_spans),
                                  ("fa", alignment.tgt_text(link), score.tgt_spans)):
            marks = tree.xpath(f'//tr[@id="link-{index}"]/td[@lang="{lang}"]/mark')
            assert "".join(m.text_content() for m in marks) == "".join(text[s:e].strip() for s, e in spans)
            marked_somewhere |= bool(marks)
    assert marked_somewhere


def test_hostile_text_is_shown_as_text(alignment: ScoredAlignment, tmp_path: Path) -> None:
    hostile, index = with_hostile_omission(alignment)
    # a span across the markup: the marked piece must be escaped like the rest
    scores = list(hostile.scores)
    start = HOSTILE.index("<script>")
    scores[index] = dataclasses.replace(scores[index], src_spans=((start, start + len("<script>alert(1)")),))
    hostile = dataclasses.replace(hostile, scores=scores)
    path = report_files.write(hostile, tmp_path / "hostile.html")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text
    assert "<mark>&lt;script&gt;alert(1)</mark>&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;" in text
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    shown = lxml_html.parse(str(path)).xpath(f'string(//tr[@id="link-{index}"]/td[@lang="en"])')
    assert shown == HOSTILE.replace("\u202e", "").replace("\u202c", "")
    markdown = report_files.write(hostile, tmp_path / "hostile.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "\u202e" not in markdown
    assert r"**\<script\>alert(1)**\</script\>" in markdown


def test_markdown_lists_omissions_additions_and_major(alignment: ScoredAlignment, tmp_path: Path) -> None:
    text = report_files.write(alignment, tmp_path / "seed000.md").read_text(encoding="utf-8")
    assert f"**Verdict: {alignment.summary.verdict}**" in text
    omissions = text.split("## Omissions")[1].split("## Additions")[0]
    for index in labelled(alignment, "omission"):
        assert f"| {index} | {alignment.src_text(alignment.links[index])} | — |" in omissions
    additions = text.split("## Additions")[1].split("## Major")[0]
    for index in labelled(alignment, "addition"):
        assert f"| {index} | — | {alignment.tgt_text(alignment.links[index])[:20]}" in additions


def test_a_report_needs_scores_and_a_known_format(alignment: ScoredAlignment, tmp_path: Path) -> None:
    unscored = alignment.unscored()
    with pytest.raises(ValueError, match="needs scores"):
        build(unscored)
    with pytest.raises(InputError, match=r"\.html, \.json or \.md"):
        report_files.write(alignment, tmp_path / "seed000.pdf")
    assert not list(tmp_path.iterdir())


def test_batch_writes_a_report_per_document_and_a_summary(alignment: ScoredAlignment, tmp_path: Path) -> None:
    other = dataclasses.replace(
        alignment, summary=dataclasses.replace(alignment.summary, verdict="not a translation")
    )
    index = report_files.write_batch([("seed000", alignment), ("mismatch & co", other)], tmp_path / "out")
    assert index == tmp_path / "out" / "index.html"
    assert sorted(p.name for p in index.parent.iterdir()) == [
        "index.html", "mismatch & co.html", "mismatch & co.json", "seed000.html", "seed000.json", "summary.csv",
    ]
    with (index.parent / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    omitted = str(len(labelled(alignment, "omission")))
    assert [(row["document"], row["verdict"], row["omission"]) for row in rows] == [
        ("seed000", alignment.summary.verdict, omitted), ("mismatch & co", "not a translation", omitted),
    ]
    tree = lxml_html.parse(str(index))
    targets = [a.get("href") for a in tree.xpath("//a") if a.get("href").endswith(".html")]
    assert targets == ["seed000.html", "mismatch%20%26%20co.html"]
    assert "mismatch &amp; co" in index.read_text(encoding="utf-8")
    # a document judged not a translation says why, in the words of its evidence
    refused = json.loads((index.parent / "mismatch & co.json").read_text(encoding="utf-8"))
    assert any("the aligner links only" in note for note in refused["notes"])
    assert not any("the aligner links only" in note
                   for note in json.loads((index.parent / "seed000.json").read_text(encoding="utf-8"))["notes"])
    with pytest.raises(InputError, match="share the name"):
        report_files.write_batch([("a", alignment), ("a", other)], tmp_path / "again")
    with pytest.raises(InputError, match="plain file name"):
        report_files.write_batch([("../a", alignment)], tmp_path / "again")
    assert not (tmp_path / "again").exists()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")
def test_page_renders_right_to_left_and_runs_nothing(alignment: ScoredAlignment, tmp_path: Path) -> None:
    """In Chromium: no request but the file, no script run, Latin names in the right place."""
    from playwright.sync_api import sync_playwright

    hostile, _ = with_hostile_omission(alignment)
    path = report_files.write(hostile, tmp_path / "seed000.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests, dialogs = [], []
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(path.as_uri())
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            # x positions of phrases in the Persian paragraph about Christian Malard, on one line
            positions = page.evaluate(
                """(phrases) => {
                  const cell = [...document.querySelectorAll('tr[id] td[lang="fa"]')]
                    .find((td) => td.textContent.includes('Christian Malard'));
                  cell.style.whiteSpace = 'nowrap';
                  const nodes = [], walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                  while (walker.nextNode()) nodes.push(walker.currentNode);
                  const locate = (offset) => {
                    for (const node of nodes) {
                      if (offset <= node.data.length) return [node, offset];
                      offset -= node.data.length;
                    }
                  };
                  return phrases.map((phrase) => {
                    const at = cell.textContent.indexOf(phrase), range = document.createRange();
                    range.setStart(...locate(at));
                    range.setEnd(...locate(at + phrase.length));
                    const box = range.getBoundingClientRect();
                    return [box.left, box.right];
                  });
                }""",
                ["آی ۲۴", "i24NEWS", "کریستین", "Christian Malard"],
            )
            mark_widths = page.evaluate("() => [...document.querySelectorAll('mark')].map((m) => m.offsetWidth)")
        finally:
            browser.close()
    assert requests == [path.as_uri()] and dialogs == []
    (agency_left, _), (_, latin_agency_right), (name_left, _), (_, latin_name_right) = positions
    # right to left: each Persian phrase comes first (right), its Latin original after it (left)
    assert latin_agency_right <= agency_left
    assert latin_name_right <= name_left
    assert mark_widths and min(mark_widths) > 0


def test_reference_scores_are_reported(alignment: ScoredAlignment, tmp_path: Path) -> None:
    """With a reference translation (here the translation itself, so aligned links score 100),
    the report carries sacrebleu's corpus and per-link scores and its signature."""
    reference = [""] * len(alignment.src)
    for link in alignment.links:
        if link.src and link.tgt:
            reference[link.src[0]] = alignment.tgt_text(link)
    summary = dataclasses.replace(alignment.summary, reference=reference_scores(alignment, reference))
    scored = dataclasses.replace(alignment, summary=summary)
    data = build(scored)
    assert data["reference"]["against"] == "reference" and data["reference"]["chrf"] == 100.0
    assert "nrefs:1" in data["reference"]["signature"]
    aligned = [row for row in data["links"] if row["src_ids"] and row["tgt_ids"]]
    assert aligned and all(row["reference"]["bleu"] == 100.0 for row in aligned)
    assert all(row["reference"] is None for row in data["links"] if not row["tgt_ids"])
    page = report_files.write(scored, tmp_path / "seed000.html").read_text(encoding="utf-8")
    assert "chrF 100.0" in page and html.escape(summary.reference.signature) in page


def test_review_decisions_are_reported(alignment: ScoredAlignment, tmp_path: Path) -> None:
    """The report exported after review shows each link's status, category and comment, the
    counts, and the rejected links; the reviewer's comment is text, never markup."""
    rejected = labelled(alignment, "omission")[0]
    comment = "dropped <script>alert(1)</script> & the date"
    review = {0: {"status": "confirmed", "category": "", "comment": ""},
              rejected: {"status": "rejected", "category": "omission", "comment": comment}}
    data = build(alignment, review)
    assert data["review_counts"] == {"unreviewed": len(alignment.links) - 2, "confirmed": 1, "rejected": 1}
    assert data["rejected"] == [rejected]
    assert [row["review_status"] for row in data["links"][:2]] == ["confirmed", "unreviewed"]
    assert (data["links"][rejected]["review_category"], data["links"][rejected]["review_comment"]) == (
        "omission", comment)
    assert "review_counts" not in build(alignment) and "review_status" not in build(alignment)["links"][0]

    path = report_files.write(alignment, tmp_path / "reviewed.html", review=review)
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and html.escape(comment) in text
    tree = lxml_html.parse(str(path))
    cells = tree.xpath('//tr[starts-with(@id, "link-")]/td[@class="review"]')
    assert len(cells) == len(alignment.links)
    assert cells[0].text_content() == "confirmed" and cells[1].text_content() == "unreviewed"
    assert cells[rejected].text_content() == "rejected" + "omission" + comment
    chips = tree.xpath('//div[@class="counts"][span="review"]/span[contains(@class, "chip")]')
    assert [chip.text_content() for chip in chips] == [
        f"unreviewed {len(alignment.links) - 2}", "confirmed 1", "rejected 1"]
    listed = tree.xpath('//h2[starts-with(., "Rejected by the reviewer (1)")]/following-sibling::table[1]//tr[@class]')
    assert [row.xpath("string(td[3])") for row in listed] == [alignment.src_text(alignment.links[rejected])]

    markdown = report_files.write(alignment, tmp_path / "reviewed.md", review=review).read_text(encoding="utf-8")
    assert f"Review: {len(alignment.links) - 2} unreviewed · 1 confirmed · 1 rejected" in markdown
    section = markdown.split("## Rejected by the reviewer (1)")[1]
    assert r"rejected: omission — dropped \<script\>alert(1)\</script\> \& the date |" in section
    assert "<script>" not in markdown


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_report_from_an_exported_alignment_matches_the_original(alignment: ScoredAlignment, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture, suffix: str) -> None:
    """`report aligned.csv` rebuilds the alignment from the export: same verdict and counts."""
    exported = export.write(alignment, tmp_path / f"seed000{suffix}")
    out = tmp_path / "seed000.json"
    assert cli.main(["report", str(exported), "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"verdict: {alignment.summary.verdict};")
    original, read_back = build(alignment), json.loads(out.read_text(encoding="utf-8"))
    for key in ("verdict", "coverage", "label_counts", "issue_counts", "src_lang", "tgt_lang", "signature",
                "omissions", "additions", "major"):
        assert read_back[key] == original[key], key
    assert read_back["fidelity"] == pytest.approx(original["fidelity"], abs=1e-3)
    for row, before in zip(read_back["links"], original["links"], strict=True):
        for key in ("src_ids", "tgt_ids", "kind", "src_text", "tgt_text", "label", "issues", "src_spans", "tgt_spans"):
            assert row[key] == before[key], (row["link"], key)


def test_report_from_an_export_without_scores_says_what_to_do(alignment: ScoredAlignment, tmp_path: Path) -> None:
    unscored = alignment.unscored()
    exported = export.write(unscored, tmp_path / "seed000.csv")
    with pytest.raises(InputError, match="aligned without fidelity scores; run report on the original texts"):
        export.read_alignment(exported)
