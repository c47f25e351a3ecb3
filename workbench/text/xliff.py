"""XLIFF files, read safely: the translation units of XLIFF 1.2 and 2.0-2.2, in document order.

XLIFF is the file CAT tools (Trados, memoQ, Phrase, OmegaT, Okapi) exchange, already aligned by
its author: each XLIFF 1.2 <trans-unit> and each XLIFF 2.x <segment> is one pair, scored as
given (`workbench.text.pairs`). A unit's text is what a reader sees: the text inside paired
inline codes (1.2 <g>, <mrk>; 2.x <pc>, <mrk>) is kept, placeholders and native code (1.2 <x/>
<bx/> <ex/> <ph> <bpt> <ept> <it>; 2.x <ph/> <sc/> <ec/> <sm/> <em/> <cp/>) are not, and runs of
whitespace are one space unless xml:space="preserve" says the whitespace is content.

The writer (`workbench.output.xliff`) puts the review back into a copy of the file, so
`parse_tree` gives the elements too, and `inline_text` says which text node each character of
a unit's text comes from: reader and writer cut the same text the same way.

An XLIFF file is untrusted XML. The parser never loads a DTD, never reaches the network,
expands no entity and refuses huge trees; a DOCTYPE that declares entities (a billion-laughs
bomb, an external entity reading a local file) or points to a DTD outside the file is refused
outright, since XLIFF 1.2 and 2.x need neither (a DTD was XLIFF 1.0's).
Every refusal is one `InputError` line naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from workbench.errors import InputError
from workbench.text.document import MAX_BYTES, read_text

XLIFF_SUFFIXES = (".xlf", ".xliff")
NS_12 = "urn:oasis:names:tc:xliff:document:1.2"
NS_20 = "urn:oasis:names:tc:xliff:document:2.0"  # XLIFF 2.0 and 2.1 share it
NS_22 = "urn:oasis:names:tc:xliff:document:2.2"
VERSIONS = {NS_12: ("1.2",), NS_20: ("2.0", "2.1"), NS_22: ("2.2",)}
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# Inline elements whose content is code, not text (or that mark a point and hold nothing).
_NOT_TEXT = {NS_12: {"x", "bx", "ex", "ph", "bpt", "ept", "it", "sub"},
             NS_20: {"ph", "sc", "ec", "sm", "em", "cp"}}
_NOT_TEXT[NS_22] = _NOT_TEXT[NS_20]
_WHITESPACE = " \t\r\n"  # XML's whitespace: what xml:space="default" lets a reader collapse
_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(["'])[^"']*\2""")
_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
               strip_cdata=False, remove_blank_text=False)


@dataclass(frozen=True)
class Unit:
    """One pair of an XLIFF file: its id (see `parse_tree`), source and target text."""

    id: str
    source: str
    target: str


@dataclass(frozen=True)
class Xliff:
    """An XLIFF file's pairs in document order and its languages (primary subtags, "en" for
    "en-US"; None where the file names none we can use)."""

    name: str
    version: str
    src_lang: str | None
    tgt_lang: str | None
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Located:
    """A pair's elements in the parsed tree, for the writer: `unit` (1.2 <trans-unit>, 2.x
    <unit>) holds the notes, `segment` (the <trans-unit> again in 1.2) the state; `segments`
    is how many <segment>s its 2.x unit has (1 in 1.2)."""

    id: str
    unit: etree._Element
    segment: etree._Element
    source: etree._Element
    target: etree._Element | None
    segments: int = 1


@dataclass(frozen=True)
class Parsed:
    """A parsed XLIFF file: the tree, its version and namespace, languages, and its pairs."""

    tree: etree._ElementTree
    version: str
    namespace: str
    src_lang: str | None
    tgt_lang: str | None
    units: tuple[Located, ...]


@dataclass(frozen=True)
class Piece:
    """A run of an inline element's text: `owner.text` (tail False) or `owner.tail` (tail
    True), starting at `start` in the element's raw text (its text nodes joined)."""

    owner: etree._Element
    tail: bool
    start: int
    text: str


@dataclass(frozen=True)
class InlineText:
    """An inline element's text as `parse` reads it, and where each of its characters is:
    `origin[i]` is the offset in the raw text (the `pieces` joined) of `text[i]`."""

    text: str
    pieces: tuple[Piece, ...]
    origin: tuple[int, ...]


def is_xliff_name(name: str | Path) -> bool:
    """Whether a file name says XLIFF (.xlf or .xliff, in any case)."""
    return Path(name).suffix.lower() in XLIFF_SUFFIXES


def read(path: str | Path) -> Xliff:
    """The pairs of the XLIFF file at `path` (see `parse`)."""
    return parse(read_text(path), Path(path).name)


def parse(text: str, name: str) -> Xliff:
    """The pairs of an XLIFF file's text; an InputError for anything that is not a translated
    XLIFF file: not XML, not XLIFF, a version we do not read, entity declarations, no unit, or
    units without a target (their count and the first one's id: a pair needs both sides)."""
    parsed = parse_tree(text, name)
    if not parsed.units:
        raise InputError(f"{name}: the XLIFF file has no translation unit")
    missing = [unit.id for unit in parsed.units if unit.target is None]
    if missing:
        raise InputError(f"{name}: {len(missing)} of {len(parsed.units)} units have no target (the first: "
                         f"{missing[0]!r}); translate them before scoring the file")
    units = tuple(Unit(unit.id, inline_text(unit.source).text, inline_text(unit.target).text)
                  for unit in parsed.units)
    return Xliff(name, parsed.version, parsed.src_lang, parsed.tgt_lang, units)


def parse_tree(text: str, name: str) -> Parsed:
    """The parsed file with its pairs, targets or not, in document order.

    A pair's id is its 1.2 <trans-unit> id, or its 2.x <unit> id followed by "/" and its
    <segment>'s id (or 1-based position) when the unit has several segments; when the file
    has several <file>s, the file's `original` (1.2) or id (2.x) comes first, with "/", since
    unit ids need only be unique within a file.
    """
    if len(text) > MAX_BYTES:
        raise InputError(f"{name}: the file is larger than {MAX_BYTES // 2**20} MB")
    # the text is already decoded: an encoding declaration would make lxml decode it again
    data = _ENCODING.sub(r"\1", text, count=1).encode("utf-8")
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER))
    except etree.XMLSyntaxError as error:
        raise InputError(f"{name}: not an XLIFF file: not well-formed XML ({_one_line(error.msg)})") from None
    tree = root.getroottree()
    if tree.docinfo.system_url or tree.docinfo.public_id:
        raise InputError(f"{name}: refused: its DOCTYPE points to a DTD outside the file "
                         f"({_one_line(tree.docinfo.system_url or tree.docinfo.public_id)}), which XLIFF 1.2 and "
                         "2.x never use (they are defined by schemas); it was not fetched")
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise InputError(f"{name}: refused: the file declares XML entities in its DOCTYPE, which XLIFF never "
                         "needs and which can expand without bound or read other files")
    namespace, local = _split(root.tag)
    if local != "xliff":
        raise InputError(f"{name}: not an XLIFF file: its root element is <{local}>, not <xliff>")
    version = (root.get("version") or "").strip()
    if version not in VERSIONS.get(namespace, ()):
        known = ", ".join(v for versions in VERSIONS.values() for v in versions)
        raise InputError(f"{name}: XLIFF version {version or '(none)'!r} in namespace {namespace or '(none)'!r} "
                         f"is not one this reads ({known})")
    if namespace == NS_12:
        units, src_lang, tgt_lang = _units_12(root), *_languages_12(root)
    else:
        units = _units_2(root, namespace)
        src_lang, tgt_lang = _primary(root.get("srcLang")), _primary(root.get("trgLang"))
    return Parsed(tree, version, namespace, src_lang, tgt_lang, tuple(units))


def inline_text(element: etree._Element) -> InlineText:
    """The text of a <source> or <target> (or any inline element) as a reader sees it."""
    namespace = _split(element.tag)[0]
    skipped = _NOT_TEXT.get(namespace, _NOT_TEXT[NS_20])
    pieces: list[Piece] = []
    length = 0

    def add(owner: etree._Element, tail: bool, text: str | None) -> None:
        nonlocal length
        if text:
            pieces.append(Piece(owner, tail, length, text))
            length += len(text)

    def walk(node: etree._Element) -> None:
        add(node, False, node.text)
        for child in node:
            # comments and processing instructions hold no text; their tails do
            if isinstance(child.tag, str) and _split(child.tag)[1] not in skipped:
                walk(child)
            add(child, True, child.tail)

    walk(element)
    raw = "".join(piece.text for piece in pieces)
    if _preserved(element):
        return InlineText(raw, tuple(pieces), tuple(range(len(raw))))
    text, origin = _collapsed(raw)
    return InlineText(text, tuple(pieces), origin)


def _units_12(root: etree._Element) -> list[Located]:
    files = root.findall(f"{{{NS_12}}}file")
    units = []
    for number, file in enumerate(files, start=1):
        prefix = f"{file.get('original') or number}/" if len(files) > 1 else ""
        for position, unit in enumerate(file.iter(f"{{{NS_12}}}trans-unit"), start=1):
            source = unit.find(f"{{{NS_12}}}source")
            if source is None:
                continue  # a trans-unit must have a source; one without has nothing to score
            unit_id = prefix + (unit.get("id") or f"#{position}")
            units.append(Located(unit_id, unit, unit, source, unit.find(f"{{{NS_12}}}target")))
    return units


def _units_2(root: etree._Element, namespace: str) -> list[Located]:
    files = root.findall(f"{{{namespace}}}file")
    units = []
    for number, file in enumerate(files, start=1):
        prefix = f"{file.get('id') or number}/" if len(files) > 1 else ""
        for count, unit in enumerate(file.iter(f"{{{namespace}}}unit"), start=1):
            segments = [s for s in unit.findall(f"{{{namespace}}}segment")
                        if s.find(f"{{{namespace}}}source") is not None]
            for position, segment in enumerate(segments, start=1):
                unit_id = prefix + (unit.get("id") or f"#{count}")
                if len(segments) > 1:
                    unit_id += f"/{segment.get('id') or position}"
                units.append(Located(unit_id, unit, segment, segment.find(f"{{{namespace}}}source"),
                                     segment.find(f"{{{namespace}}}target"), len(segments)))
    return units


def _languages_12(root: etree._Element) -> tuple[str | None, str | None]:
    """The first languages the <file>s name (they may differ; the first is the document's)."""
    files = root.findall(f"{{{NS_12}}}file")
    src = next((code for f in files if (code := _primary(f.get("source-language")))), None)
    tgt = next((code for f in files if (code := _primary(f.get("target-language")))), None)
    return src, tgt


def _primary(tag: str | None) -> str | None:
    """The primary language subtag of a BCP-47 tag ("pt" for "pt-BR"), when it is one."""
    primary = re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _preserved(element: etree._Element) -> bool:
    """Whether xml:space="preserve" applies to `element` (the nearest xml:space decides)."""
    for node in (element, *element.iterancestors()):
        space = node.get(XML_SPACE)
        if space is not None:
            return space == "preserve"
    return False


def _collapsed(raw: str) -> tuple[str, tuple[int, ...]]:
    """`raw` with each run of XML whitespace one space and none at either end, and the offset
    in `raw` of each character kept (a run's space comes from the run's first character)."""
    chars: list[str] = []
    origin: list[int] = []
    run = None  # where the whitespace run before the next kept character began
    for index, char in enumerate(raw):
        if char in _WHITESPACE:
            if chars and run is None:
                run = index
            continue
        if run is not None:
            chars.append(" ")
            origin.append(run)
            run = None
        chars.append(char)
        origin.append(index)
    return "".join(chars), tuple(origin)


def _split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an lxml tag ("" for no namespace)."""
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def _one_line(text: str) -> str:
    return " ".join(text.split())
