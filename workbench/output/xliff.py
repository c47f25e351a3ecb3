"""XLIFF out: a review written back into a copy of the XLIFF file it came from, or a new XLIFF 2.1.

A CAT tool (Trados, memoQ, Phrase, OmegaT, Okapi) takes its own file back, so a document read
from XLIFF is written into a copy of that file (`into_original`): only the units change, and in
them only what the review says; ids, inline codes, other attributes, notes, namespaces and
comments stay as they were. Unit k of the file is pair k of the alignment (its segments are in
paragraph k: `workbench.pipeline.pairs_alignment`), so a reviewer's merges and splits map back
through the links that hold each unit's segments. A document aligned from plain texts gets a
new XLIFF 2.1 file (`new_file`), one unit per link.

What a unit gets:
- its state: confirmed is 1.2 `signed-off` / 2.x `reviewed`; rejected, or unreviewed with a
  fidelity label other than faithful (flagged), is 1.2 `needs-review-translation` / 2.x
  `translated` with the subState `alignment-workbench:rejected` or `...:needs-review` (2.x has
  no state for "review again"; `translated` is the state before review). A `final` segment
  confirmed stays `final`;
- a note from this tool (1.2 `from`, 2.x `category`: "alignment-workbench") with the link's
  fidelity, label, issue codes and review; this tool's notes from an earlier export are
  replaced, other notes kept;
- each reviewer error as an ITS 2.0 Localization Quality Issue on its target span (the whole
  target when it has none): 2.x `<sm type="its:generic" its:locQualityIssue...="..."/>` ...
  `<em/>` around the span, as the XLIFF 2.1 ITS module says; 1.2 has no empty markers and its
  `<mrk>` must nest, so the span's text goes in `<mrk mtype="x-its" its:locQualityIssuesRef>`
  (one per text node it crosses; the W3C ITS 2.0 XLIFF 1.2 mapping, as Okapi writes it) that
  point to one standoff `<its:locQualityIssues>` at the end of the unit. Markers hold no text of
  their own, so the file reads back with the same texts.

The issue type is the MQM category's ITS type (`workbench.model.MQM_CATEGORIES`); the severity,
0-100 in ITS, is 10 for minor, 50 for major and 100 for critical: ITS fixes only the scale
(100 the most severe), so the three MQM levels sit low, in the middle and at the top of it; the
scorecard's penalty weights (1, 5, 25) are a separate matter. `its:locQualityIssueProfileRef` names the MQM typology, without
which ITS says a severity means nothing to another tool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from lxml import etree

from workbench.errors import InputError
from workbench.model import (
    MQM_CATEGORIES,
    Alignment,
    Link,
    Review,
    ReviewError,
    ScoredAlignment,
    Span,
)
from workbench.output.text import bcp47
from workbench.text.controls import for_xml
from workbench.text.xliff import NS_12, NS_20, XML_SPACE, Located, inline_text, parse_tree

TOOL = "alignment-workbench"
ITS = "http://www.w3.org/2005/11/its"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
MQM_PROFILE = "https://themqm.org/error-types-2/typology/"
SEVERITY_SCORES = {"minor": 10, "major": 50, "critical": 100}
STATES_12 = {"confirmed": "signed-off", "rejected": "needs-review-translation", "flagged": "needs-review-translation"}
SUBSTATES = {"rejected": f"{TOOL}:rejected", "flagged": f"{TOOL}:needs-review"}
_STRUCTURE = {"xliff", "file", "unit", "segment", "notes"}  # element-only content, indented in a new file


@dataclass(frozen=True)
class _Judgement:
    """What the review and the scores say of one unit: its status ("confirmed", "rejected",
    "flagged": unreviewed but not labelled faithful, or "unreviewed"), its notes, and each
    error with its spans in the unit's target text."""

    status: str
    notes: tuple[str, ...]
    errors: tuple[tuple[ReviewError, tuple[Span, ...]], ...]


def encoded(alignment: Alignment, review: Review | None = None, original: str | None = None) -> bytes:
    """The XLIFF bytes of `alignment`: written into a copy of `original`, the XLIFF file it was
    read from, when given (`into_original`), else a new XLIFF 2.1 file (`new_file`)."""
    if original is not None:
        return into_original(original, alignment, review)
    return new_file(alignment, review)


def into_original(original: str, alignment: Alignment, review: Review | None = None) -> bytes:
    """`original` (an XLIFF file's text) with the states, notes and quality issues of the
    alignment made from it (link k = unit k, as merged and split since) and of its review."""
    parsed = parse_tree(original, "the original XLIFF file")
    units, review = parsed.units, review or {}
    held = _held(alignment, units)
    unit_ids = [unit.id for unit in units]
    ids_12 = {node.get(XML_ID) for node in parsed.tree.iter() if isinstance(node.tag, str)} - {None}
    cleared: set[int] = set()
    for number, unit in enumerate(units):
        if id(unit.unit) not in cleared:
            _clear_notes(unit.unit)
            cleared.add(id(unit.unit))
        if not held[number] or unit.target is None:
            continue  # an empty pair has no segment to judge
        judgement = _judge(alignment, review, held[number], number, inline_text(unit.target).text, unit_ids)
        if parsed.namespace == NS_12:
            _write_12(unit, judgement, ids_12)
        else:
            _write_2(unit, judgement, parsed.namespace)
    return etree.tostring(parsed.tree, xml_declaration=True, encoding="UTF-8") + b"\n"


def new_file(alignment: Alignment, review: Review | None = None) -> bytes:
    """A new XLIFF 2.1 file of the alignment: one unit (id "link-K") and segment per link.

    A source sentence with no translation (1-0) keeps its unit with an empty target, in state
    `initial`: a CAT tool shows it as still to translate. A translated sentence with no source
    (0-1) keeps its unit too, with an empty source and translate="no", so the reviewer sees the
    addition but no tool asks to translate it. The signature, model and the alignment's notes
    are notes of the <file>. Texts keep their whitespace (xml:space="preserve").
    """
    ns, review = NS_20, review or {}
    root = etree.Element(f"{{{ns}}}xliff", {"version": "2.1", "srcLang": bcp47(alignment.src_lang),
                                            "trgLang": bcp47(alignment.tgt_lang), f"{{{ITS}}}version": "2.0"},
                         nsmap={None: ns, "its": ITS})
    file = etree.SubElement(root, f"{{{ns}}}file", id="f1")
    about = [f"signature: {alignment.signature}"] if alignment.signature else []
    about += [f"model: {alignment.model}"] if alignment.model else []
    if about or alignment.notes:
        notes = etree.SubElement(file, f"{{{ns}}}notes")
        for text in [*about, *alignment.notes]:
            etree.SubElement(notes, f"{{{ns}}}note", category=TOOL).text = for_xml(text)
    for index, link in enumerate(alignment.links):
        unit = etree.SubElement(file, f"{{{ns}}}unit", id=f"link-{index}")
        if not link.src:
            unit.set("translate", "no")
        src_text, tgt_text = alignment.src_text(link), alignment.tgt_text(link)
        errors = tuple((error, _xml_spans(tgt_text, _clean_spans(tgt_text, error.tgt_spans or ((0, len(tgt_text)),))))
                       for error in _errors(review.get(index) or {}))
        judgement = _Judgement(_status(alignment, review, [index]), _link_notes(alignment, review, index, ()), errors)
        kind = ["omission: nothing in the translation corresponds to this source"] if not link.tgt else []
        kind += ["addition: this translation has no counterpart in the original"] if not link.src else []
        if judgement.notes or kind:
            notes = etree.SubElement(unit, f"{{{ns}}}notes")
            for text in [*kind, *judgement.notes]:
                etree.SubElement(notes, f"{{{ns}}}note", category=TOOL).text = for_xml(text)
        segment = etree.SubElement(unit, f"{{{ns}}}segment")
        for tag, text in (("source", src_text), ("target", tgt_text)):
            etree.SubElement(segment, f"{{{ns}}}{tag}", {XML_SPACE: "preserve"}).text = for_xml(text)
        if link.tgt:
            _state_2(segment, judgement.status, default="translated")
        _mark_2(segment, judgement, set())
    _indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


# ----------------------------------------------------------------------------- judging


def _held(alignment: Alignment, units: Sequence[Located]) -> list[list[int]]:
    """For each unit, the links that hold its segments, in link order; an InputError when the
    alignment was not made from these units (a segment in no unit, or with other text)."""
    held: list[list[int]] = [[] for _ in units]
    for index, link in enumerate(alignment.links):
        for ids, segments, side in ((link.src, alignment.src, "source"), (link.tgt, alignment.tgt, "target")):
            for i in ids:
                segment = segments[i]
                element = None
                if 0 <= segment.paragraph < len(units):
                    unit = units[segment.paragraph]
                    element = unit.source if side == "source" else unit.target
                if element is None or segment.text not in inline_text(element).text:
                    raise InputError(f"the document's {side} segment {i} is not in unit {segment.paragraph + 1} of "
                                     "its XLIFF file: the alignment was not made from this file")
                if index not in held[segment.paragraph]:
                    held[segment.paragraph].append(index)
    return held


def _judge(alignment: Alignment, review: Review, links: list[int], number: int, target: str,
           ids: list[str]) -> _Judgement:
    """The judgement of unit `number` (target text `target`) from the links that hold it;
    `ids` are the units' ids, for the note on a link that holds several."""
    notes = tuple(note for index in links for note in _link_notes(
        alignment, review, index, tuple(ids[p] for p in _units_of(alignment, alignment.links[index]))))
    errors = tuple((error, spans) for index in links for error in _errors(review.get(index) or {})
                   if (spans := _unit_spans(alignment, alignment.links[index], error, number, target)))
    return _Judgement(_status(alignment, review, links), notes, errors)


def _status(alignment: Alignment, review: Review, links: list[int]) -> str:
    statuses = {str((review.get(index) or {}).get("status") or "unreviewed") for index in links}
    if "rejected" in statuses:
        return "rejected"
    if statuses == {"confirmed"}:
        return "confirmed"
    if isinstance(alignment, ScoredAlignment) and any(alignment.scores[i].label != "faithful" for i in links):
        return "flagged"
    return "unreviewed"


def _errors(entry: dict) -> tuple[ReviewError, ...]:
    """A link's review errors (the review store has already read a rejection of before errors
    existed as one: `LinkState.from_json`, the schema-2 migration)."""
    return tuple(entry.get("errors") or ())


def _link_notes(alignment: Alignment, review: Review, index: int, units: tuple[int, ...]) -> tuple[str, ...]:
    """The note on link `index`: fidelity, label and issues when scored, then the review, and
    the ids of the `units` it holds when they are several. None for a link neither scored nor
    reviewed."""
    parts = []
    if isinstance(alignment, ScoredAlignment):
        score = alignment.scores[index]
        issues = f": {', '.join(score.issues)}" if score.issues else ""
        parts.append(f"fidelity {score.fidelity:.2f} ({score.label}){issues}")
    entry = review.get(index) or {}
    status = str(entry.get("status") or "unreviewed")
    if status != "unreviewed":
        errors = _errors(entry)
        listed = "; ".join(f"{e.severity} {e.category}" + (f" ({e.comment})" if e.comment else "") for e in errors)
        parts.append(f"review: {status}" + (f", {listed}" if listed else ""))
    if len(units) > 1:
        parts.append(f"one link holds units {', '.join(str(u) for u in units)}")
    return ("; ".join(parts),) if parts else ()


def _units_of(alignment: Alignment, link: Link) -> tuple[int, ...]:
    """The (0-based) units whose segments the link holds."""
    paragraphs = {alignment.src[i].paragraph for i in link.src} | {alignment.tgt[i].paragraph for i in link.tgt}
    return tuple(sorted(paragraphs))


def _unit_spans(alignment: Alignment, link: Link, error: ReviewError, number: int, target: str) -> tuple[Span, ...]:
    """The error's target spans (offsets into the link's joined target) that fall on unit
    `number`'s target, as offsets into `target`; its whole target when the error has none
    (or when its segment's text is no longer found in it)."""
    if not error.tgt_spans:
        return _clean_spans(target, ((0, len(target)),))
    spans: list[Span] = []
    offset = 0
    for i in link.tgt:
        segment = alignment.tgt[i]
        if not segment.text:
            continue  # a segment read back from an export may be empty: Alignment.tgt_text skips it
        if segment.paragraph == number:
            at = segment.start if target[segment.start:segment.end] == segment.text else target.find(segment.text)
            if at < 0:
                return _clean_spans(target, ((0, len(target)),))
            for start, end in error.tgt_spans:
                low, high = max(start, offset), min(end, offset + len(segment.text))
                if low < high:
                    spans.append((at + low - offset, at + high - offset))
        offset += len(segment.text) + 1
    return _clean_spans(target, spans)


def _xml_spans(text: str, spans: tuple[Span, ...]) -> tuple[Span, ...]:
    """Spans of `text` as spans of `for_xml(text)`, which drops the characters XML cannot hold."""
    removed = list(accumulate((not for_xml(char) for char in text), initial=0))
    return tuple((start - removed[start], end - removed[end]) for start, end in spans)


def _clean_spans(text: str, spans: Sequence[Span]) -> tuple[Span, ...]:
    """The spans clipped to the text, without whitespace at their edges, empty ones dropped;
    a text with no characters but whitespace keeps one empty span at 0 (the marker still
    says the target has an issue)."""
    clean = []
    for start, end in spans:
        start, end = max(0, start), min(len(text), end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            clean.append((start, end))
    if not clean and spans and not text.strip():
        return ((0, 0),)
    return tuple(clean)


# ----------------------------------------------------------------------------- writing


def _write_12(unit: Located, judgement: _Judgement, ids: set[str]) -> None:
    target = unit.target
    if judgement.status in STATES_12 and not (judgement.status == "confirmed" and target.get("state") == "final"):
        target.set("state", STATES_12[judgement.status])
    anchor = [child for child in unit.unit if isinstance(child.tag, str) and child.tag.startswith(f"{{{NS_12}}}")][-1]
    for text in reversed(judgement.notes):
        note = etree.Element(f"{{{NS_12}}}note", {"from": TOOL})
        note.text = for_xml(text)
        _insert_after(anchor, note)
    for error, spans in judgement.errors:
        lqi_id = _fresh("workbench-lqi-", ids)
        ids.add(lqi_id)
        for start, end in spans:
            _wrap_12(target, start, end, lqi_id)
        issues = etree.Element(f"{{{ITS}}}locQualityIssues", {XML_ID: lqi_id}, nsmap={"its": ITS})
        etree.SubElement(issues, f"{{{ITS}}}locQualityIssue", _lqi(error, qualified=False))
        _insert_after(unit.unit[-1], issues)


def _write_2(unit: Located, judgement: _Judgement, ns: str) -> None:
    _state_2(unit.segment, judgement.status)
    if judgement.notes:
        notes = unit.unit.find(f"{{{ns}}}notes")
        if notes is None:
            notes = etree.Element(f"{{{ns}}}notes")
            anchor = next(child for child in unit.unit if isinstance(child.tag, str)
                          and child.tag in {f"{{{ns}}}{tag}" for tag in ("originalData", "segment", "ignorable")})
            indent = _space_before(anchor)
            _insert_before(anchor, notes)
            notes.text = indent + "  " if indent else None
            notes.tail = indent
        prefix = f"segment {unit.segment.get('id') or unit.id.rsplit('/', 1)[-1]}: " if unit.segments > 1 else ""
        for text in judgement.notes:
            note = etree.Element(f"{{{ns}}}note", category=TOOL)
            note.text = for_xml(prefix + text)
            if len(notes):
                _insert_after(notes[-1], note)
            else:
                notes.append(note)
                note.tail = notes.tail
    ids = {node.get("id") for node in unit.unit.iter() if isinstance(node.tag, str)} - {None}
    _mark_2(unit.segment, judgement, ids)


def _state_2(segment: etree._Element, status: str, default: str | None = None) -> None:
    """Set a 2.x segment's state (and subState, which needs a state) for `status`."""
    if status == "confirmed":
        if segment.get("state") != "final":
            segment.set("state", "reviewed")
            segment.attrib.pop("subState", None)
    elif status in SUBSTATES:
        segment.set("state", "translated")
        segment.set("subState", SUBSTATES[status])
    elif default is not None:
        segment.set("state", default)


def _mark_2(segment: etree._Element, judgement: _Judgement, ids: set[str]) -> None:
    """An <sm/> ... <em/> pair around each error span of the segment's target."""
    ns = segment.tag[1:].split("}", 1)[0]
    target = segment.find(f"{{{ns}}}target")
    for error, spans in judgement.errors:
        for start, end in spans:
            marker = _fresh("workbench-lqi-", ids)
            ids.add(marker)
            sm = etree.Element(f"{{{ns}}}sm", {"id": marker, "type": "its:generic", **_lqi(error, qualified=True)},
                               nsmap={"its": ITS})
            em = etree.Element(f"{{{ns}}}em", startRef=marker)
            if start < end:
                _insert_at(target, end, em, after=True)
                _insert_at(target, start, sm, after=False)
            else:  # a target of nothing but whitespace: the pair side by side, marking the place
                _insert_at(target, start, sm, after=False)
                em.tail, sm.tail = sm.tail, None
                sm.addnext(em)


def _lqi(error: ReviewError, qualified: bool) -> dict[str, str]:
    """The ITS Localization Quality Issue attributes of an error (its:-qualified on a marker,
    plain on a standoff <its:locQualityIssue>)."""
    label, issue_type = MQM_CATEGORIES.get(error.category, MQM_CATEGORIES["other"])
    comment = f"{label} ({error.severity})" + (f": {error.comment}" if error.comment else "")
    values = {"locQualityIssueType": issue_type, "locQualityIssueComment": for_xml(comment),
              "locQualityIssueSeverity": str(SEVERITY_SCORES.get(error.severity, SEVERITY_SCORES["major"])),
              "locQualityIssueProfileRef": MQM_PROFILE}
    return {(f"{{{ITS}}}{name}" if qualified else name): value for name, value in values.items()}


def _wrap_12(target: etree._Element, start: int, end: int, lqi_id: str) -> None:
    """Put the target's text from `start` to `end` (offsets into its text as read) into
    <mrk mtype="x-its"> elements pointing to the standoff issue `lqi_id`: one per text node the
    span crosses, since a 1.2 <mrk> cannot overlap the inline codes. An empty span gets an
    empty <mrk> at its place."""
    def mrk() -> etree._Element:
        return etree.Element(f"{{{NS_12}}}mrk", {"mtype": "x-its", f"{{{ITS}}}locQualityIssuesRef": f"#{lqi_id}"},
                             nsmap={"its": ITS})

    inline = inline_text(target)
    if start >= end:
        _insert_at(target, start, mrk(), after=False)
        return
    low, high = inline.origin[start], inline.origin[end - 1] + 1
    for piece in reversed(inline.pieces):
        first, last = max(low, piece.start) - piece.start, min(high, piece.start + len(piece.text)) - piece.start
        if first < last:
            node = mrk()
            node.text = piece.text[first:last]
            _split_piece(piece.owner, piece.tail, piece.text, first, node, rest=piece.text[last:])


def _insert_at(target: etree._Element, position: int, node: etree._Element, after: bool) -> None:
    """Insert the empty element `node` into the target's content before character `position`
    of its text as read (after character position - 1 when `after`, or at the end), inside
    the text node that holds that character."""
    inline = inline_text(target)
    if not inline.text:
        node.tail, target.text = target.text, None
        target.insert(0, node)
        return
    if position > 0 and (after or position >= len(inline.text)):
        raw = inline.origin[position - 1] + 1
        piece = next(p for p in inline.pieces if p.start < raw <= p.start + len(p.text))
    else:
        raw = inline.origin[position]
        piece = next(p for p in inline.pieces if p.start <= raw < p.start + len(p.text))
    offset = raw - piece.start
    _split_piece(piece.owner, piece.tail, piece.text, offset, node, rest=piece.text[offset:])


def _split_piece(owner: etree._Element, tail: bool, text: str, at: int, node: etree._Element, rest: str) -> None:
    """Cut the text node `owner.text` (or `owner.tail`) at `at` and put `node` there, followed
    by `rest`."""
    if tail:
        owner.tail = text[:at]
        parent = owner.getparent()
        parent.insert(parent.index(owner) + 1, node)
    else:
        owner.text = text[:at]
        owner.insert(0, node)
    node.tail = rest


def _clear_notes(unit: etree._Element) -> None:
    """Remove this tool's notes from an earlier export (a <notes> left empty with them)."""
    namespace = unit.tag[1:].split("}", 1)[0]
    if namespace == NS_12:
        for note in unit.findall(f"{{{NS_12}}}note"):
            if note.get("from") == TOOL:
                _remove(note)
        return
    notes = unit.find(f"{{{namespace}}}notes")
    if notes is not None:
        for note in notes.findall(f"{{{namespace}}}note"):
            if note.get("category") == TOOL:
                _remove(note)
        if not len(notes):
            _remove(notes)


def _remove(node: etree._Element) -> None:
    """Take `node` out, and the whitespace that indented it: what followed it keeps its place."""
    previous, parent = node.getprevious(), node.getparent()
    if previous is not None:
        previous.tail = node.tail
    else:
        parent.text = node.tail
    parent.remove(node)


def _fresh(prefix: str, used: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in used:
        number += 1
    return f"{prefix}{number}"


def _space_before(node: etree._Element) -> str | None:
    """The whitespace that indents `node` (None when what precedes it is not whitespace)."""
    previous = node.getprevious()
    space = previous.tail if previous is not None else node.getparent().text
    return space if space and not space.strip() else None


def _insert_after(anchor: etree._Element, node: etree._Element) -> None:
    """Put `node` right after `anchor`, indented as `anchor` is."""
    parent = anchor.getparent()
    node.tail = anchor.tail
    anchor.tail = _space_before(anchor)
    parent.insert(parent.index(anchor) + 1, node)


def _insert_before(anchor: etree._Element, node: etree._Element) -> None:
    """Put `node` right before `anchor`, which keeps its indentation."""
    parent = anchor.getparent()
    node.tail = _space_before(anchor)
    parent.insert(parent.index(anchor), node)


def _indent(element: etree._Element, depth: int = 0) -> None:
    """Indent the element-only content of a new file (never a source or target: whitespace
    there would be text)."""
    if element.tag.rsplit("}", 1)[-1] not in _STRUCTURE or not len(element):
        return
    pad = "\n" + "  " * (depth + 1)
    element.text = pad
    for child in element:
        _indent(child, depth + 1)
        child.tail = pad
    element[-1].tail = "\n" + "  " * depth
