"""XLIFF in and out, on files other tools wrote (tests/fixtures/xliff/README.md): scoring gives one
row per unit with its id; a review exported into a copy of the file validates against the OASIS
schema of its version, reads back to the same units, keeps everything it does not review, and
carries the review (states, notes, ITS Localization Quality Issues); plain texts aligned to .xlf
make a valid XLIFF 2.1; hostile files are one line and exit 2, with nothing written.

Fast tier: the fake encoder scores (its judgements mean nothing; what is tested is the file).
Schemas are validated offline, from tests/fixtures/xliff/schemas/ (imports pointed at the local
copies, the ITS module imported for the its: attributes).
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from workbench import cli, pipeline
from workbench.errors import InputError
from workbench.model import Link, ReviewError, ScoredAlignment
from workbench.output import export, formats
from workbench.output import xliff as xliff_out
from workbench.text import xliff
from workbench.text.document import MAX_BYTES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "xliff"
SCHEMAS = FIXTURES / "schemas"
XS = "{http://www.w3.org/2001/XMLSchema}"
ITS = "http://www.w3.org/2005/11/its"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
TOOL = "alignment-workbench"
OURS = "workbench-lqi-"

# file: (schema it validates against as shipped, units, first id, last id)
CASES = {
    "okapi-htmltest.html.xlf": ("1.2-transitional", 8, "tu1", "tu8"),
    "xliffmerge-translated-1.2.xlf": ("1.2-strict", 39, "d04085c5069d49c88f924e788121d4161ffc5bc8",
                                      "599fdab6eaf0912dc7aa50e65a2749c763d9c162"),
    "symfony-dumper-1.2.xlf": ("1.2-strict", 3, "LCa0a2j", "2DA_bnh"),
    "xliffmerge-translated-2.0.xlf": ("2.0", 25, "2047558209369508311", "explicitlysetids.test1"),
    "openxliff-java-es.xlf": ("2.0", 7, "1/0", "3/2"),
    "symfony-dumper-2.0.xlf": ("2.0", 4, "LCa0a2j", "aF1tx51"),
}
SCHEMA_FILES = {
    "1.2-strict": SCHEMAS / "1.2" / "xliff-core-1.2-strict.xsd",
    "1.2-transitional": SCHEMAS / "1.2" / "xliff-core-1.2-transitional.xsd",
    "2.0": SCHEMAS / "2.0" / "xliff_core_2.0.xsd",
    "2.1": SCHEMAS / "2.1" / "xliff_core_2.0.xsd",
}


# ----------------------------------------------------------------------------- helpers


def _local_imports(document: etree._ElementTree) -> etree._ElementTree:
    """A schema document whose imports of the XML and ITS namespaces name the local copies."""
    local = {"http://www.w3.org/XML/1998/namespace": SCHEMAS / "xml.xsd", ITS: _its_schema()}
    for element in document.getroot().iter(f"{XS}import"):
        if element.get("namespace") in local:
            element.set("schemaLocation", Path(local[element.get("namespace")]).as_uri())
    return document


@functools.cache
def _its_schema() -> Path:
    """The ITS module schema with its xml.xsd import made local, written once beside the tests' temp files."""
    document = etree.parse(str(SCHEMAS / "2.1" / "its.xsd"), etree.XMLParser(no_network=True))
    for element in document.getroot().iter(f"{XS}import"):
        element.set("schemaLocation", (SCHEMAS / "xml.xsd").as_uri())
    path = ROOT / "tests" / "artifacts" / "its-local.xsd"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.write(str(path))
    return path


@functools.cache
def schema(key: str) -> etree.XMLSchema:
    """An OASIS XLIFF schema, offline, with the ITS module imported (strict 1.2 checks the its:
    attributes and elements against it; 2.x checks those it knows)."""
    document = etree.parse(str(SCHEMA_FILES[key]), etree.XMLParser(no_network=True))
    its = etree.Element(f"{XS}import", namespace=ITS)
    document.getroot().insert(0, its)
    return etree.XMLSchema(_local_imports(document))


def assert_valid(data: bytes, key: str) -> None:
    document = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False)).getroottree()
    checker = schema(key)
    assert checker.validate(document), str(checker.error_log.last_error)


def output_schema(key: str) -> str:
    return "2.1" if key.startswith("2") else key


def ours(element: etree._Element) -> str:
    """'element' for what this tool adds whole, 'wrapper' for a 1.2 marker (its text is the
    file's), '' for the file's own."""
    if not isinstance(element.tag, str):
        return ""
    local = etree.QName(element).localname
    if element.tag == f"{{{ITS}}}locQualityIssues":
        return "element"
    if local == "note" and TOOL in (element.get("from"), element.get("category")):
        return "element"
    if local == "notes" and len(element) and all(ours(note) for note in element):
        return "element"
    if (local == "sm" and (element.get("id") or "").startswith(OURS)) or \
            (local == "em" and (element.get("startRef") or "").startswith(OURS)):
        return "element"
    if local == "mrk" and (element.get(f"{{{ITS}}}locQualityIssuesRef") or "").startswith(f"#{OURS}"):
        return "wrapper"
    return ""


def skeleton(data: bytes) -> tuple[dict, list, str]:
    """What a file holds apart from this tool's additions: the root's namespaces, every element
    (and comment) in order with its attributes (a segment's state and subState aside: the review
    sets them), and all its text without whitespace."""
    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False, strip_cdata=False))
    elements, texts = [], []

    def walk(node: etree._Element) -> None:
        kind = ours(node)
        if kind == "element":
            return
        if not isinstance(node.tag, str):
            elements.append(("#comment", node.text))
        elif kind != "wrapper":
            elements.append((node.tag, sorted((k, v) for k, v in node.attrib.items() if k not in ("state", "subState"))))
            texts.append(node.text or "")
        else:
            texts.append(node.text or "")
        for child in node:
            walk(child)
            texts.append(child.tail or "")

    walk(root)
    return root.nsmap, elements, "".join("".join(texts).split())


def marked(target: etree._Element) -> str:
    """The target's text with ⟦ ⟧ around what this tool's quality-issue markers mark."""
    target = copy.deepcopy(target)
    for node in target.iter():
        if ours(node) == "wrapper":
            node.text = "⟦" + (node.text or "") + "⟧"
        elif ours(node) == "element" and etree.QName(node).localname == "sm":
            node.tail = "⟦" + (node.tail or "")
        elif ours(node) == "element" and etree.QName(node).localname == "em":
            node.tail = "⟧" + (node.tail or "")
    return xliff.inline_text(target).text


def issues_of(unit: xliff.Located) -> list[dict[str, str]]:
    """The ITS Localization Quality Issues on a unit's target, as plain attribute names."""
    found = []
    for node in unit.target.iter():
        if ours(node) == "element" and etree.QName(node).localname == "sm":
            found.append({etree.QName(k).localname: v for k, v in node.attrib.items() if k.startswith(f"{{{ITS}}}")})
        elif ours(node) == "wrapper":
            ref = node.get(f"{{{ITS}}}locQualityIssuesRef")[1:]
            [issue] = unit.unit.xpath("its:locQualityIssues[@xml:id=$ref]/its:locQualityIssue",
                                      namespaces={"its": ITS}, ref=ref)
            found.append(dict(issue.attrib))
    return found


def notes_of(unit: xliff.Located) -> list[str]:
    return [note.text for note in unit.unit.iter() if ours(note) == "element" and etree.QName(note).localname == "note"]


@pytest.fixture
def fake(monkeypatch, fake_encoder):
    monkeypatch.setattr(pipeline, "load_encoder", lambda model=None, device="auto": fake_encoder)
    return fake_encoder


def scored_fixture(name: str, encoder) -> tuple[str, ScoredAlignment]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text, pipeline.run_xliff(text, name, encoder=encoder)


def a_review(alignment: ScoredAlignment) -> tuple[dict, int, int, int, tuple[int, int]]:
    """A review: the first link with both sides confirmed, the second rejected with a major
    mistranslation of its target's first word, another link left unreviewed."""
    both = [i for i, link in enumerate(alignment.links) if link.src and link.tgt]
    confirmed, rejected = both[0], both[1]
    unreviewed = next(i for i, link in enumerate(alignment.links)
                      if i not in (confirmed, rejected) and (link.src or link.tgt))
    target = alignment.tgt_text(alignment.links[rejected])
    span = (0, target.find(" ") if " " in target else len(target))
    error = ReviewError("accuracy/mistranslation", "major", tgt_spans=(span,), comment="not what it says")
    review = {confirmed: {"status": "confirmed", "errors": ()},
              rejected: {"status": "rejected", "errors": (error,)}}
    return review, confirmed, rejected, unreviewed, span


def state_of(unit: xliff.Located, namespace: str) -> tuple[str | None, str | None]:
    if namespace == xliff.NS_12:
        return unit.target.get("state"), None
    return unit.segment.get("state"), unit.segment.get("subState")


# ----------------------------------------------------------------------------- reading


@pytest.mark.parametrize("name", CASES)
def test_the_fixtures_validate_as_their_tools_wrote_them(name):
    """The schemas work offline, and the files are what their versions say (else the export's
    validation below would prove nothing)."""
    assert_valid((FIXTURES / name).read_bytes(), CASES[name][0])


@pytest.mark.parametrize("name", CASES)
def test_score_gives_one_row_per_unit_with_its_id(tmp_path, fake, capsys, name):
    _, count, first, last = CASES[name]
    out = tmp_path / "scored.csv"
    assert cli.main(["score", str(FIXTURES / name), "--out", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"wrote {out}\n")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    units = xliff.read(FIXTURES / name).units
    assert len(rows) == len(units) == count
    assert (rows[0]["id"], rows[-1]["id"]) == (first, last)
    assert [row["id"] for row in rows] == [unit.id for unit in units]
    assert len({row["id"] for row in rows}) == count  # unique, across <file>s too
    assert [(row["src_text"], row["tgt_text"]) for row in rows] == [(u.source, u.target) for u in units]
    document = xliff.read(FIXTURES / name)
    assert (rows[0]["src_lang"], rows[0]["tgt_lang"]) == (document.src_lang, document.tgt_lang)


def test_languages_from_the_file_unless_given(tmp_path, fake):
    out = tmp_path / "scored.csv"
    assert cli.main(["score", str(FIXTURES / "openxliff-java-es.xlf"), "--src-lang", "fr", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert (row["src_lang"], row["tgt_lang"]) == ("fr", "es")


XLIFF_12 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file original="a.html" source-language="en-GB" target-language="fa-IR" datatype="html"><body>
    <trans-unit id="1"><source>Text in <g id="1">bold</g><x id="2"/>, <bpt id="3">&lt;i&gt;</bpt>code<ept id="3">&lt;/i&gt;</ept>.</source>
      <target>متن <g id="1">پررنگ</g><x id="2"/><ph id="4">{0}</ph>.</target></trans-unit>
    <group id="g"><trans-unit id="2" xml:space="preserve"><source>two  spaces</source><target>دو  فاصله</target></trans-unit></group>
  </body></file>
  <file original="b.html" source-language="en" datatype="html"><body>
    <trans-unit id="1"><source>Again
        wrapped <!-- a comment -->here</source><target>باز</target></trans-unit>
  </body></file>
</xliff>"""

XLIFF_2 = """<xliff xmlns="urn:oasis:names:tc:xliff:document:{ns}" version="{version}" srcLang="de-CH" trgLang="en">
  <file id="f1"><unit id="1">
    <segment id="a"><source>Ein <pc id="1">fetter</pc> Text<ph id="2"/>.</source><target>A <pc id="1">bold</pc> text<ph id="2"/>.</target></segment>
    <ignorable><source> </source></ignorable>
    <segment><source>Zwei<sc id="3"/>te<ec startRef="3"/></source><target>Sec<sm id="m"/>ond<em startRef="m"/></target></segment>
  </unit></file>
</xliff>"""


def test_inline_codes_whitespace_and_ids_of_xliff_12():
    document = xliff.parse(XLIFF_12, "t.xlf")
    assert (document.version, document.src_lang, document.tgt_lang) == ("1.2", "en", "fa")
    assert [unit.id for unit in document.units] == ["a.html/1", "a.html/2", "b.html/1"]
    assert [(unit.source, unit.target) for unit in document.units] == [
        ("Text in bold, code.", "متن پررنگ."),  # <g> text kept; <x/>, <bpt>/<ept>, <ph> code dropped
        ("two  spaces", "دو  فاصله"),  # xml:space="preserve"
        ("Again wrapped here", "باز"),  # whitespace collapsed; a comment is no text
    ]


@pytest.mark.parametrize("version, ns", [("2.0", "2.0"), ("2.1", "2.0"), ("2.2", "2.2")])
def test_each_xliff_2_segment_is_a_pair_with_the_unit_and_segment_ids(version, ns):
    document = xliff.parse(XLIFF_2.format(version=version, ns=ns), "t.xlf")
    assert (document.version, document.src_lang, document.tgt_lang) == (version, "de", "en")
    assert [(unit.id, unit.source, unit.target) for unit in document.units] == [
        ("1/a", "Ein fetter Text.", "A bold text."), ("1/2", "Zweite", "Second")]


def test_a_doctype_pointing_outside_is_refused_and_a_bare_one_read():
    doctype = '<!DOCTYPE xliff PUBLIC "-//XLIFF//DTD XLIFF//EN" "http://127.0.0.1:9/xliff.dtd">\n'
    with pytest.raises(InputError, match=r"points to a DTD outside the file \(http://127.0.0.1:9/xliff.dtd\)"):
        xliff.parse(XLIFF_12.replace("?>\n", "?>\n" + doctype, 1), "t.xlf")
    assert len(xliff.parse(XLIFF_12.replace("?>\n", "?>\n<!DOCTYPE xliff>\n", 1), "t.xlf").units) == 3


# ----------------------------------------------------------------------------- exporting a review


@pytest.mark.parametrize("name", CASES)
def test_a_review_exported_into_the_original_keeps_it_and_carries_the_review(tmp_path, fake, name):
    schema_key = CASES[name][0]
    text, alignment = scored_fixture(name, fake)
    review, confirmed, rejected, unreviewed, span = a_review(alignment)
    path = formats.write(alignment, tmp_path / "reviewed.xlf", review, formats.Context(original=text))
    data = path.read_bytes()

    assert_valid(data, schema_key)
    original, exported = xliff.parse(text, name), xliff.parse(data.decode("utf-8"), "reviewed.xlf")
    assert exported.units == original.units  # same ids, sources and targets
    assert skeleton(data) == skeleton((FIXTURES / name).read_bytes())  # nothing else changed

    before, after = xliff.parse_tree(text, name), xliff.parse_tree(data.decode("utf-8"), "reviewed.xlf")
    ns = after.namespace
    # the confirmed unit: signed off / reviewed (a final one stays final), no issue
    was = state_of(before.units[confirmed], ns)[0]
    expected = "final" if was == "final" else ("signed-off" if ns == xliff.NS_12 else "reviewed")
    assert state_of(after.units[confirmed], ns)[0] == expected
    assert issues_of(after.units[confirmed]) == []
    # the rejected unit: to review again, with the error on the words it names
    assert state_of(after.units[rejected], ns) == (
        ("needs-review-translation", None) if ns == xliff.NS_12 else ("translated", f"{TOOL}:rejected"))
    target = original.units[rejected].target
    start, end = span
    assert marked(after.units[rejected].target) == f"{target[:start]}⟦{target[start:end]}⟧{target[end:]}"
    [issue] = issues_of(after.units[rejected])
    assert (issue["locQualityIssueType"], issue["locQualityIssueSeverity"]) == ("mistranslation", "50")
    assert issue["locQualityIssueComment"] == "Accuracy: mistranslation (major): not what it says"
    assert issue["locQualityIssueProfileRef"] == xliff_out.MQM_PROFILE
    # the unreviewed unit: flagged when not labelled faithful, else as it was
    score = alignment.scores[unreviewed]
    flagged = ("needs-review-translation", None) if ns == xliff.NS_12 else ("translated", f"{TOOL}:needs-review")
    assert state_of(after.units[unreviewed], ns) == (
        state_of(before.units[unreviewed], ns) if score.label == "faithful" else flagged)
    # every unit that has text: one note with its link's fidelity (and the review where there is one)
    for index, unit in enumerate(after.units):
        notes = notes_of(unit)
        if not (original.units[index].source or original.units[index].target):
            assert notes == []  # an empty pair has nothing to judge
            continue
        [note] = [n for n in notes if n.startswith(f"fidelity {alignment.scores[index].fidelity:.2f} "
                                                   f"({alignment.scores[index].label})")]
        assert ("review: rejected" in note) == (index == rejected)
        assert ("review: confirmed" in note) == (index == confirmed)


@pytest.mark.parametrize("name", ["xliffmerge-translated-1.2.xlf", "xliffmerge-translated-2.0.xlf"])
def test_a_merged_link_maps_its_review_back_onto_each_unit(tmp_path, fake, name):
    """A reviewer merged units 1 and 2 into one link and marked a word of unit 2's target:
    both units are rejected, the marker lands in unit 2, and each note names the units."""
    text, alignment = scored_fixture(name, fake)
    links = list(alignment.links)
    merged = Link(links[1].src + links[2].src, links[1].tgt + links[2].tgt)
    alignment = dataclasses.replace(alignment, links=[links[0], merged, *links[3:]],
                                    scores=[alignment.scores[0], alignment.scores[1], *alignment.scores[3:]])
    first = alignment.tgt[links[1].tgt[0]].text
    second = alignment.tgt[links[2].tgt[0]].text
    word = second.split()[-1]
    at = len(first) + 1 + second.rindex(word)  # offsets into the link's joined target
    error = ReviewError("terminology", "minor", tgt_spans=((at, at + len(word)),), comment="term")
    data = xliff_out.into_original(text, alignment, {1: {"status": "rejected", "errors": (error,)}})
    after = xliff.parse_tree(data.decode("utf-8"), name)
    ns = after.namespace
    for number in (1, 2):
        assert state_of(after.units[number], ns)[0] in ("needs-review-translation", "translated")
        [note] = notes_of(after.units[number])
        assert f"one link holds units {after.units[1].id}, {after.units[2].id}" in note
    assert issues_of(after.units[1]) == []
    [issue] = issues_of(after.units[2])
    assert (issue["locQualityIssueType"], issue["locQualityIssueSeverity"]) == ("terminology", "10")
    at = second.rindex(word)
    assert marked(after.units[2].target) == f"{second[:at]}⟦{word}⟧{second[at + len(word):]}"


CROSSING = {
    "1.2": ("""<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="x" datatype="html"
 source-language="en" target-language="fr"><body><trans-unit id="t"><source>A bold text.</source>
 <target>Un   <g id="1">texte
   gras</g>  ici.</target></trans-unit></body></file></xliff>""", "1.2-strict"),
    "2.1": ("""<xliff version="2.1" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="en" trgLang="fr"><file id="f">
 <unit id="t"><segment><source>A bold text.</source><target>Un   <pc id="1">texte
   gras</pc>  ici.</target></segment></unit></file></xliff>""", "2.1"),
}


@pytest.mark.parametrize("version", CROSSING)
def test_an_error_across_an_inline_code_and_collapsed_whitespace_marks_exactly_its_words(fake, version):
    """The target reads "Un texte gras ici." (whitespace collapsed); an error on "gras ici"
    starts inside the paired code and ends outside it: 2.x puts <sm/> and <em/> where the
    words are, 1.2 wraps each text node's part in a <mrk> pointing to one standoff issue."""
    text, key = CROSSING[version]
    alignment = pipeline.run_xliff(text, "t.xlf", encoder=fake)
    assert alignment.tgt_text(alignment.links[0]) == "Un texte gras ici."
    error = ReviewError("accuracy/mistranslation", "major", tgt_spans=((9, 17),))
    data = xliff_out.into_original(text, alignment, {0: {"status": "rejected", "errors": (error,)}})
    assert_valid(data, key)
    [unit] = xliff.parse_tree(data.decode("utf-8"), "t.xlf").units
    assert xliff.inline_text(unit.target).text == "Un texte gras ici."
    if version == "1.2":
        assert marked(unit.target) == "Un texte ⟦gras⟧⟦ ici⟧."
        refs = {node.get(f"{{{ITS}}}locQualityIssuesRef") for node in unit.target.iter() if ours(node) == "wrapper"}
        assert len(refs) == 1 and len(unit.unit.findall(f"{{{ITS}}}locQualityIssues")) == 1
    else:
        assert marked(unit.target) == "Un texte ⟦gras ici⟧."
        assert [etree.QName(node).localname for node in unit.target.iter()][1:] == ["pc", "sm", "em"]


def test_an_alignment_not_made_from_the_file_is_refused(fake):
    text, alignment = scored_fixture("symfony-dumper-1.2.xlf", fake)
    other, _ = scored_fixture("symfony-dumper-2.0.xlf", fake)
    _, wrong = scored_fixture("xliffmerge-translated-2.0.xlf", fake)
    with pytest.raises(InputError, match="the alignment was not made from this file"):
        xliff_out.into_original(text, wrong, {})
    assert xliff_out.into_original(other, alignment, {})  # the same units in another version: fine


def test_exporting_twice_replaces_this_tools_notes(fake):
    text, alignment = scored_fixture("xliffmerge-translated-2.0.xlf", fake)
    once = xliff_out.into_original(text, alignment, {})
    twice = xliff_out.into_original(once.decode("utf-8"), alignment, {})
    assert twice == once


def test_score_an_xliff_to_xliff_writes_the_scores_into_a_copy(tmp_path, fake):
    out = tmp_path / "scored.xliff"
    assert cli.main(["score", str(FIXTURES / "okapi-htmltest.html.xlf"), "--out", str(out)]) == 0
    data = out.read_bytes()
    assert_valid(data, "1.2-transitional")
    assert skeleton(data) == skeleton((FIXTURES / "okapi-htmltest.html.xlf").read_bytes())
    assert all(len(notes_of(unit)) == 1 for unit in xliff.parse_tree(data.decode("utf-8"), "s").units)


def test_export_writes_a_document_read_from_xliff_into_a_copy_of_it(tmp_path, fake, capsys):
    """The CLI's hook: a stored document whose source text is an XLIFF file (and whose name says
    so) is exported into a copy of it; the same document to CSV is the table as ever."""
    from workbench.review.store import Store

    name = "xliffmerge-translated-2.0.xlf"
    text, alignment = scored_fixture(name, fake)
    db = Store(tmp_path / "review.sqlite")
    doc = db.save(alignment, name=name, key="x", source_text=text, who="tester")
    db.confirm(doc, 0, who="tester")
    db.reject(doc, 1, "accuracy/mistranslation", "not what it says", tgt_spans=((0, 3),), who="tester")
    out = tmp_path / "reviewed.xlf"
    assert cli.main(["export", name, "--db", str(db.path), "--out", str(out)]) == 0
    reviewed = db.load(doc)
    assert out.read_bytes() == xliff_out.into_original(text, reviewed.alignment, reviewed.review)
    after = xliff.parse_tree(out.read_text(encoding="utf-8"), name)
    assert [unit.id for unit in after.units] == [unit.id for unit in xliff.parse(text, name).units]
    assert marked(after.units[1].target).startswith("⟦app⟧")
    assert cli.main(["export", name, "--db", str(db.path), "--out", str(tmp_path / "reviewed.csv")]) == 0


# ----------------------------------------------------------------------------- a new XLIFF file


def test_align_two_plain_texts_to_xliff_makes_a_valid_xliff_21(tmp_path, fake, capsys):
    from tiny_document import ALIGNMENT

    from workbench.fidelity import summarise
    from workbench.model import LinkFidelity, scored

    scores = [LinkFidelity(0.0 if not (link.src and link.tgt) else 0.9,
                           "omission" if not link.tgt else "addition" if not link.src else "faithful")
              for link in ALIGNMENT.links]
    alignment = scored(dataclasses.replace(ALIGNMENT, signature="sig"), scores, summarise(ALIGNMENT, scores))
    error = ReviewError("accuracy/omission", "critical", comment="a sentence is missing")
    review = {0: {"status": "confirmed"}, 1: {"status": "rejected", "errors": (error,)},
              3: {"status": "rejected", "errors": (ReviewError("style", "minor", tgt_spans=((0, 6),)),)}}
    data = export.write(alignment, tmp_path / "tiny.xlf", review).read_bytes()
    assert_valid(data, "2.1")
    document = xliff.parse(data.decode("utf-8"), "tiny.xlf")
    assert (document.version, document.src_lang, document.tgt_lang) == ("2.1", "en", "fr")
    assert [unit.id for unit in document.units] == [f"link-{i}" for i in range(len(ALIGNMENT.links))]
    assert [(unit.source, unit.target) for unit in document.units] == [
        (alignment.src_text(link), alignment.tgt_text(link)) for link in alignment.links]
    tree = xliff.parse_tree(data.decode("utf-8"), "tiny.xlf")
    states = [unit.segment.get("state") for unit in tree.units]
    assert states[0] == "reviewed" and states[2] == "translated"
    assert states[1] is None  # the omission: an empty target, still to translate
    assert [unit.unit.get("translate") for unit in tree.units] == [None, None, None, None, "no", None, None]
    [omission] = issues_of(tree.units[1])
    assert (omission["locQualityIssueType"], omission["locQualityIssueSeverity"]) == ("omission", "100")
    assert marked(tree.units[3].target) == "⟦Quatre⟧ et cinq."
    assert tree.tree.getroot().find(f"{{{xliff.NS_20}}}file/{{{xliff.NS_20}}}notes")[0].text == "signature: sig"


def test_align_command_writes_xliff(tmp_path, fake, capsys):
    """`align --out x.xlf`: the CLI's align, through the fake encoder (which knows the words
    of this little lexicon), writes an XLIFF 2.1 that validates and reads back."""
    fake.lexicon.update({"maison": "house", "chat": "cat", "rouge": "red", "grand": "big", "le": "the",
                         "la": "the", "est": "is"})
    source, translation = tmp_path / "en.txt", tmp_path / "fr.txt"
    source.write_text("The house is red.\nThe cat is big.\n", encoding="utf-8")
    translation.write_text("La maison est rouge.\nLe chat est grand.\n", encoding="utf-8")
    out = tmp_path / "aligned.xlf"
    assert cli.main(["align", str(source), str(translation), "--src-lang", "en", "--tgt-lang", "fr",
                     "--out", str(out)]) == 0
    data = out.read_bytes()
    assert_valid(data, "2.1")
    document = xliff.parse(data.decode("utf-8"), "aligned.xlf")
    assert ("The house is red.", "La maison est rouge.") in [(u.source, u.target) for u in document.units]


# ----------------------------------------------------------------------------- hostile files

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file source-language="en" target-language="fr"
datatype="plaintext" original="x"><body><trans-unit id="1"><source>&lol4;</source><target>x</target></trans-unit>
</body></file></xliff>"""
EXTERNAL_ENTITY = BILLION_LAUGHS.split("<!DOCTYPE")[0] + """<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file source-language="en" target-language="fr"
datatype="plaintext" original="x"><body><trans-unit id="1"><source>a</source><target>&secret;</target></trans-unit>
</body></file></xliff>"""
EXTERNAL_DTD = EXTERNAL_ENTITY.replace('<!ENTITY secret SYSTEM "file:///etc/passwd">',
                                       '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;')
NO_TARGETS = """<xliff version="2.0" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="en" trgLang="fr"><file id="f">
<unit id="a"><segment><source>One</source><target>Un</target></segment></unit>
<unit id="b"><segment><source>Two</source></segment></unit>
<unit id="c"><segment><source>Three</source></segment></unit></file></xliff>"""

HOSTILE = {
    "not XML": ("Hello <world", r"^error: bad\.xlf: not an XLIFF file: not well-formed XML \(.+\)$"),
    "not XLIFF": ('<?xml version="1.0"?><html><body>Hi</body></html>',
                  r"^error: bad\.xlf: not an XLIFF file: its root element is <html>, not <xliff>$"),
    "XLIFF 1.1": ('<xliff version="1.1" xmlns="urn:oasis:names:tc:xliff:document:1.1"><file/></xliff>',
                  r"^error: bad\.xlf: XLIFF version '1\.1' in namespace .* is not one this reads \(1\.2, 2\.0, "
                  r"2\.1, 2\.2\)$"),
    "a version its namespace lacks": (XLIFF_2.format(version="3.0", ns="2.0"),
                                      r"^error: bad\.xlf: XLIFF version '3\.0' in namespace"),
    "units without a target": (NO_TARGETS,
                               r"^error: bad\.xlf: 2 of 3 units have no target \(the first: 'b'\); translate them"),
    "billion laughs": (BILLION_LAUGHS, r"^error: bad\.xlf: refused: the file declares XML entities in its DOCTYPE"),
    "external entity": (EXTERNAL_ENTITY, r"^error: bad\.xlf: refused: the file declares XML entities in its DOCTYPE"),
    "external DTD": (EXTERNAL_DTD, r"^error: bad\.xlf: refused: the file declares XML entities in its DOCTYPE"),
    "DTD outside the file": (EXTERNAL_ENTITY.replace('[<!ENTITY secret SYSTEM "file:///etc/passwd">]',
                                                     'SYSTEM "file:///etc/xliff.dtd"').replace("&secret;", "b"),
                             r"^error: bad\.xlf: refused: its DOCTYPE points to a DTD outside the file"),
    "no unit": ('<xliff version="2.1" xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="en"><file id="f"/></xliff>',
                r"^error: bad\.xlf: the XLIFF file has no translation unit$"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_one_line_and_exit_2_with_nothing_written(tmp_path, case):
    content, message = HOSTILE[case]
    (tmp_path / "bad.xlf").write_text(content, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "workbench", "score", "bad.xlf", "--out", "x.csv"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert re.match(message, line), line
    assert "root:" not in line  # /etc/passwd was never read into anything
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlf"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.xlf"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match=r"huge\.xlf: the file is larger than 20 MB"):
        xliff.read(path)
    with pytest.raises(InputError, match=r"^in memory: the file is larger than 20 MB$"):
        xliff.parse(" " * (MAX_BYTES + 1), "in memory")
