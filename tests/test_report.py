"""The fidelity report on seed 000: its data, its safety with hostile text, and how it renders.

The alignment is built by hand from the seed's own lines (the seed's real paragraphs and the
links a reader sees in it), with fidelity values set by hand: these tests check what the report
shows and how, not how good the scores are (tests/test_fidelity.py does that).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from workbench import report
from workbench.align import Alignment, Link
from workbench.errors import InputError
from workbench.fidelity import DocumentFidelity, LinkFidelity
from workbench.segment import Segment

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_e5fe0829ebe86db2.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BASIJ_EN = "experienced division"
BASIJ_FA = "نیروهای با تجربه خود را تقسیم کرده اند"
# (English paragraphs, Persian paragraphs) of each link, in document order
SEED_LINKS = [
    ((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,)), ((4,), (3,)), ((5,), (4,)), ((6,), ()),
    ((7,), ()), ((8,), ()), ((9,), (5,)), ((10,), (6,)), ((11, 12), (7,)), ((13,), (8,)),
    ((14,), (9,)), ((15,), (10,)), ((), (11,)),
]
OMITTED = [2, 6, 7, 8]
BASIJ_LINK = 10
HOSTILE = 'Breaking <script>alert(1)</script> <img src=x onerror=alert(2)> \u202eevil\u202c "end" & more'


def _segments(texts: list[str]) -> list[Segment]:
    return [Segment(i, text, text, i, 0, len(text)) for i, text in enumerate(texts)]


def _span(text: str, phrase: str) -> tuple[tuple[int, int], ...]:
    start = text.index(phrase)
    return ((start, start + len(phrase)),)


def seed_alignment(english_override: dict[int, str] | None = None) -> Alignment:
    """Seed 000 (English = file lines 2-17, Persian = lines 18-29) aligned and scored by hand."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    english, persian = lines[1:17], lines[17:29]
    for index, text in (english_override or {}).items():
        english[index] = text
    links = [Link(s, t, 0.9 if s and t else None) for s, t in SEED_LINKS]
    alignment = Alignment(_segments(english), _segments(persian), "en", "fa", links, model="hand-made")
    scores = []
    for index, link in enumerate(links):
        if not link.tgt:
            scores.append(LinkFidelity(0.0, "omission"))
        elif not link.src:
            scores.append(LinkFidelity(0.0, "addition"))
        elif index == BASIJ_LINK:
            scores.append(
                LinkFidelity(
                    0.3, "major", ("low_similarity",),
                    _span(alignment.src_text(link), BASIJ_EN), _span(alignment.tgt_text(link), BASIJ_FA),
                )
            )
        else:
            scores.append(LinkFidelity(0.9, "faithful"))
    alignment.scores = scores
    alignment.summary = DocumentFidelity(
        coverage=0.85, fidelity=0.7, verdict="partial translation",
        label_counts={"faithful": 10, "major": 1, "omission": 4, "addition": 1},
        issue_counts={"low_similarity": 1},
    )
    return alignment


@pytest.fixture(scope="module")
def alignment() -> Alignment:
    return seed_alignment()


@pytest.fixture(scope="module")
def page(alignment: Alignment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.write(alignment, tmp_path_factory.mktemp("report") / "seed000.html")


def test_json_report_has_the_verdict_and_the_counts(alignment: Alignment, tmp_path: Path) -> None:
    path = report.write(alignment, tmp_path / "seed000.json")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["verdict"] == "partial translation"
    assert data["label_counts"] == {"faithful": 10, "minor": 0, "major": 1, "omission": 4, "addition": 1}
    assert (data["src_segments"], data["tgt_segments"], len(data["links"])) == (16, 12, 16)
    assert data["omissions"] == OMITTED
    assert data["additions"] == [15]
    assert data["major"] == [BASIJ_LINK]
    basij = data["links"][BASIJ_LINK]
    (start, end), = basij["src_spans"]
    assert basij["src_text"][start:end] == BASIJ_EN
    assert data["links"][11]["src_ids"] == [11, 12] and data["links"][11]["kind"] == "2-1"
    assert "حسن خمینی" in text  # ensure_ascii=False: Persian stays readable in the file


def test_html_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", text, re.I)
    assert not re.search(r"<(?:script|link|iframe|object|embed)\b|@import|url\(", text, re.I)
    # the seed's source URL is document text: shown, never linked
    assert "https://www.i24news.tv/en/news/international/" in text


def test_html_shows_the_verdict_scores_and_every_link(page: Path) -> None:
    tree = lxml_html.parse(str(page))
    assert tree.xpath('string(//span[@class="verdict"])') == "partial translation"
    rows = tree.xpath('//tr[starts-with(@id, "link-")]')
    assert [row.get("id") for row in rows] == [f"link-{i}" for i in range(16)]
    omission_rows = [int(row.get("id")[5:]) for row in rows if "omission" in row.get("class").split()]
    assert omission_rows == OMITTED
    svgs = tree.xpath("//svg")
    assert len(svgs) == 2  # fidelity along the document and its distribution
    # one mark per link in the plot, each pointing at its row
    assert tree.xpath("count(//svg[1]//a)") == 16


def test_persian_cells_are_right_to_left(page: Path, alignment: Alignment) -> None:
    tree = lxml_html.parse(str(page))
    full_table = {cell.text_content() for cell in tree.xpath('//tr[starts-with(@id, "link-")]/td[@dir="rtl"]')}
    assert full_table == {alignment.tgt_text(link) for link in alignment.links if link.tgt}
    assert all(cell.get("lang") == "fa" for cell in tree.xpath('//td[@dir="rtl"]'))
    english = tree.xpath('//tr[starts-with(@id, "link-")]/td[@lang="en"]')
    assert english and all(cell.get("dir") == "ltr" for cell in english)


def test_divergent_spans_are_marked(page: Path) -> None:
    tree = lxml_html.parse(str(page))
    marks = [mark.text_content() for mark in tree.xpath(f'//tr[@id="link-{BASIJ_LINK}"]//mark')]
    assert marks == [BASIJ_EN, BASIJ_FA]
    assert len(tree.xpath("//mark")) == 4  # the Basij link, in the major list and in the full table


def test_hostile_text_is_shown_as_text(tmp_path: Path) -> None:
    hostile = seed_alignment({2: HOSTILE})
    # a span across the markup: the marked piece must be escaped like the rest
    hostile.scores[2] = dataclasses.replace(hostile.scores[2], src_spans=_span(HOSTILE, "<script>alert(1)"))
    path = report.write(hostile, tmp_path / "hostile.html")
    text = path.read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text
    shown = lxml_html.parse(str(path)).xpath('string(//tr[@id="link-2"]/td[@lang="en"])')
    assert shown == HOSTILE.replace("\u202e", "").replace("\u202c", "")
    assert "<mark>&lt;script&gt;alert(1)</mark>&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", text)
    assert "evil &quot;end&quot; &amp; more" in text
    markdown = report.write(hostile, tmp_path / "hostile.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "\u202e" not in markdown
    assert r"**\<script\>alert(1)**\</script\>" in markdown


def test_markdown_lists_omissions_additions_and_major(alignment: Alignment, tmp_path: Path) -> None:
    text = report.write(alignment, tmp_path / "seed000.md").read_text(encoding="utf-8")
    assert "**Verdict: partial translation**" in text
    omissions = text.split("## Omissions")[1].split("## Additions")[0]
    for index in OMITTED:
        assert f"| {index} | {alignment.src[index].text} | — |" in omissions
    additions = text.split("## Additions")[1].split("## Major")[0]
    assert alignment.tgt[11].text.split()[0] in additions
    major = text.split("## Major divergences")[1]
    assert f"**{BASIJ_EN}**" in major and f"**{BASIJ_FA}**" in major


def test_a_report_needs_scores_and_a_known_format(alignment: Alignment, tmp_path: Path) -> None:
    unscored = dataclasses.replace(alignment, scores=None, summary=None)
    with pytest.raises(ValueError, match="needs scores"):
        report.build(unscored)
    with pytest.raises(InputError, match=r"\.html, \.json or \.md"):
        report.write(alignment, tmp_path / "seed000.pdf")
    assert not list(tmp_path.iterdir())


def test_batch_writes_a_report_per_document_and_a_summary(alignment: Alignment, tmp_path: Path) -> None:
    other = dataclasses.replace(
        alignment, summary=dataclasses.replace(alignment.summary, verdict="not a translation", coverage=0.1)
    )
    index = report.write_batch([("seed000", alignment), ("mismatch & co", other)], tmp_path / "out")
    assert index == tmp_path / "out" / "index.html"
    assert sorted(p.name for p in index.parent.iterdir()) == [
        "index.html", "mismatch & co.html", "mismatch & co.json", "seed000.html", "seed000.json", "summary.csv",
    ]
    with (index.parent / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["document"], row["verdict"], row["omission"]) for row in rows] == [
        ("seed000", "partial translation", "4"), ("mismatch & co", "not a translation", "4"),
    ]
    tree = lxml_html.parse(str(index))
    targets = [a.get("href") for a in tree.xpath("//a") if a.get("href").endswith(".html")]
    assert targets == ["seed000.html", "mismatch%20%26%20co.html"]
    assert "mismatch &amp; co" in index.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="share the name"):
        report.write_batch([("a", alignment), ("a", other)], tmp_path / "again")
    with pytest.raises(InputError, match="plain file name"):
        report.write_batch([("../a", alignment)], tmp_path / "again")
    assert not (tmp_path / "again").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium to render the page")
def test_page_renders_right_to_left_and_runs_nothing(tmp_path: Path) -> None:
    """In Chromium: no request but the file, no script run, Latin names in the right place."""
    from playwright.sync_api import sync_playwright

    path = report.write(seed_alignment({2: HOSTILE}), tmp_path / "seed000.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            requests, dialogs = [], []
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(path.as_uri())
            # x positions of phrases in the Persian half of link 5, laid out on one line
            positions = page.evaluate(
                """(phrases) => {
                  const cell = document.querySelector('#link-5 td[lang="fa"]');
                  cell.style.whiteSpace = 'nowrap';
                  const node = cell.firstChild;
                  return phrases.map((phrase) => {
                    const at = node.data.indexOf(phrase), range = document.createRange();
                    range.setStart(node, at); range.setEnd(node, at + phrase.length);
                    const box = range.getBoundingClientRect();
                    return [box.left, box.right];
                  });
                }""",
                ["آی ۲۴", "i24NEWS", "کریستین مالارد", "Christian Malard"],
            )
            marks = page.evaluate(
                "() => [...document.querySelectorAll('#link-10 mark')].map((m) => m.getBoundingClientRect().width)"
            )
        finally:
            browser.close()
    assert requests == [path.as_uri()] and dialogs == []
    (agency_left, _), (_, latin_agency_right), (name_left, _), (_, latin_name_right) = positions
    # right to left: each Persian phrase comes first (right), its Latin original after it (left)
    assert latin_agency_right <= agency_left
    assert latin_name_right <= name_left
    assert len(marks) == 2 and all(width > 20 for width in marks)
