"""How well workbench.fidelity finds divergences, measured on real human translations.

Run from the repository root:

    python benchmarks/fidelity_bench.py          # the table for benchmarks/README.md

Positives are the gold links of real translations: the UDHR development set (en-fa, en-ar,
en-tr, benchmarks/udhr/) and four documents of Text+Berg de-fr (benchmarks/textberg-defr/,
if present; it is OCR text, noisier than a reviewer's input); links of up to 3 segments a
side. This script damages copies of them, and knows what it did, so every damaged link
carries its label:

- clause_dropped: a clause (between punctuation marks, else a third of the words) removed
  from the target;
- clause_added:   a clause of another link's target inserted into the target (the script
  knows the inserted characters, so the target spans can be scored);
- number_changed: a number changed in the target (or the source), in its own digits;
- name_changed:   a name on a Latin-script side replaced by another name of the corpus;
- negation_flipped: a negation added to or removed from the English / German / French side;
- neighbour:      the target replaced by the target of a link 1 to 3 positions away.

In each damaged copy of a document a third of the links carry one damage each, so the
document's own statistics (mean vectors, typical length ratio) stay those of a translation.
Reported: AUC of `fidelity` (clean links against each kind of damage), the share of links
labelled other than faithful, recall of number_mismatch / name_mismatch on the damage that
should raise them (and their rate on clean links), span precision/recall on clause_added,
and precision/recall of omission/addition labels after
running the whole pipeline on the UDHR omission variants.

Nothing here was used to train or calibrate the divergence detector: these documents (and
UDHR in Persian, Arabic and Turkish) are left out of its training corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import numpy as np  # noqa: E402

from workbench.evaluate import read_links  # noqa: E402
from workbench.fidelity.calibration import link_fidelity  # noqa: E402
from workbench.fidelity.evidence import LinkEvidence, link_evidence  # noqa: E402
from workbench.fidelity.names import names, skeleton  # noqa: E402
from workbench.model import Alignment, Link, LinkFidelity, Segment  # noqa: E402
from workbench.text.numbers import NUMBER, number_value  # noqa: E402
from workbench.text.scripts import ARABIC_LETTERS  # noqa: E402

UDHR = ROOT / "benchmarks" / "udhr"
TEXTBERG = ROOT / "benchmarks" / "textberg-defr"
UDHR_PAIRS = ("en-fa", "en-ar", "en-tr")
TEXTBERG_DOCS = ("test0", "test2", "test3", "test4")  # 326 of its 991 sentences: the run stays under 5 minutes
DAMAGES = ("clause_dropped", "clause_added", "number_changed", "name_changed", "negation_flipped", "neighbour")
DAMAGED_SHARE = 1 / 3  # links damaged per copy of a document
COPIES = 3  # damaged copies per document
SEED = 7


@dataclass
class Document:
    corpus: str
    name: str
    src_lang: str
    tgt_lang: str
    src: list[str]
    tgt: list[str]
    links: list[tuple[tuple[int, ...], tuple[int, ...]]]


@dataclass
class Case:
    """One scored link: its corpus, what was done to it (None: clean), and the results."""

    corpus: str
    damage: str | None
    src: str
    tgt: str
    evidence: LinkEvidence
    result: LinkFidelity
    added: tuple[int, int] | None = None  # characters of the target inserted by clause_added


# ----------------------------------------------------------------------------- data


def load_documents(textberg: Path) -> list[Document]:
    docs = []
    for pair in UDHR_PAIRS:
        folder = UDHR / pair
        src_lang, tgt_lang = pair.split("-")
        docs.append(Document("udhr", pair, src_lang, tgt_lang, _lines(folder / "src.txt"), _lines(folder / "tgt.txt"),
                             read_links(folder / "gold.txt")))
    if textberg.is_dir():
        for gold in (textberg / f"{name}.defr" for name in TEXTBERG_DOCS):
            docs.append(Document("textberg", gold.stem, "de", "fr", _lines(gold.with_suffix(".de")),
                                 _lines(gold.with_suffix(".fr")), read_links(gold)))
    else:
        print(f"({textberg} not found: Text+Berg left out)")
    return docs


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def alignment_of(doc: Document, src: list[str], tgt: list[str], links: list[tuple]) -> Alignment:
    return Alignment(_segments(src), _segments(tgt), doc.src_lang, doc.tgt_lang,
                     [Link(tuple(s), tuple(t)) for s, t in links])


def _segments(texts: list[str]) -> list[Segment]:
    return [Segment(i, t, t, i, 0, len(t)) for i, t in enumerate(texts)]


# ----------------------------------------------------------------------------- damage

CLAUSE_BREAK = re.compile(r"(?<=[,;:،؛])\s+")
NEGATION_RULES = {
    # (pattern to remove a negation, replacement), (pattern to add one, replacement)
    "en": ((r"\b(shall|should|may|can|will|must|is|are|was|were|has|have|had|do|does) not\b", r"\1"),
           (r"\b(shall|should|may|can|will|must|is|are|was|were|has|have|had|do|does)\b", r"\1 not")),
    "de": ((r"\s+nicht\b", ""), (r"\b(ist|sind|war|waren|hat|haben|hatte|wird|werden|kann|können|muss|müssen)\b", r"\1 nicht")),
    "fr": ((r"\bn[e']\s*(\w+) pas\b", r"\1"), (r"\b(est|sont|était|a|ont|peut|doit)\b", r"n'\1 pas")),
}


def damage(kind: str, src: str, tgt: str, doc: Document, other_tgt: str, pool: dict[str, list[str]],
           rng: random.Random) -> tuple[str, str, tuple[int, int] | None] | None:
    """(damaged src, damaged tgt, inserted target characters) or None where `kind` does not apply."""
    if kind == "neighbour":
        return (src, other_tgt, None) if other_tgt and other_tgt != tgt else None
    if kind == "clause_dropped":
        return src, _drop_clause(tgt, rng), None
    if kind == "clause_added":
        clauses = [c for c in CLAUSE_BREAK.split(other_tgt) if len(c.split()) >= 3]
        if not clauses:
            return None
        clause = rng.choice(clauses).strip().rstrip(".!?؟")
        cuts = [m.end() for m in CLAUSE_BREAK.finditer(tgt)] or [len(tgt.rstrip(".!?؟ "))]
        at = rng.choice(cuts)
        if at == len(tgt.rstrip(".!?؟ ")):
            inserted = ", " + clause
            return src, tgt[:at] + inserted + tgt[at:], (at + 2, at + len(inserted))
        inserted = clause + ("، " if ARABIC_LETTERS.search(tgt) else ", ")
        return src, tgt[:at] + inserted + tgt[at:], (at, at + len(clause))
    if kind == "number_changed":
        for side in ("tgt", "src"):
            text = tgt if side == "tgt" else src
            changed = _change_number(text, rng)
            if changed:
                return (src, changed, None) if side == "tgt" else (changed, tgt, None)
        return None
    if kind == "name_changed":
        for side, lang in (("src", doc.src_lang), ("tgt", doc.tgt_lang)):
            text = src if side == "src" else tgt
            if ARABIC_LETTERS.search(text):
                continue
            found = [n for n in names(text, lang) if not n.text.isupper()]
            if not found:
                continue
            name = rng.choice(found)
            choices = [p for p in pool.get(lang, []) if skeleton(p) != skeleton(name.text)]
            if not choices:
                return None
            start, end = name.words[0][0], name.words[-1][1]
            changed = text[:start] + rng.choice(choices) + text[end:]
            return (changed, tgt, None) if side == "src" else (src, changed, None)
        return None
    if kind == "negation_flipped":
        for side, lang in (("src", doc.src_lang), ("tgt", doc.tgt_lang)):
            if lang not in NEGATION_RULES:
                continue
            text = src if side == "src" else tgt
            (remove, removed), (add, added) = NEGATION_RULES[lang]
            changed = re.sub(remove, removed, text, count=1)
            if changed == text:
                changed = re.sub(add, added, text, count=1)
            if changed != text:
                return (changed, tgt, None) if side == "src" else (src, changed, None)
        return None
    raise ValueError(kind)


def _drop_clause(text: str, rng: random.Random) -> str:
    clauses = CLAUSE_BREAK.split(text)
    if len(clauses) >= 2:
        k = rng.randrange(len(clauses))
        kept = clauses[:k] + clauses[k + 1:]
        return " ".join(kept)
    words = text.split()
    size = max(1, len(words) // 3)
    at = rng.randrange(0, len(words) - size + 1)
    return " ".join(words[:at] + words[at + size:])


def _change_number(text: str, rng: random.Random) -> str | None:
    found = [m for m in NUMBER.finditer(text) if number_value(m.group()) is not None]
    if not found:
        return None
    match = rng.choice(found)
    token = match.group()
    digits = [k for k, c in enumerate(token) if c.isdigit()]
    k = rng.choice(digits)
    zero = ord(token[k]) - int(token[k])  # the code point of this script's 0
    new_digit = (int(token[k]) + rng.randint(1, 8)) % 10
    if k == 0 and new_digit == 0:
        new_digit = 1 if int(token[k]) != 1 else 2
    changed = token[:k] + chr(zero + new_digit) + token[k + 1:]
    return text[:match.start()] + changed + text[match.end():]


# ----------------------------------------------------------------------------- scoring


def name_pool(docs: list[Document]) -> dict[str, list[str]]:
    """The names of `docs` by language (Latin-script sides, no acronyms): what `damage` puts
    in place of a name."""
    pool: dict[str, list[str]] = {}
    for doc in docs:
        for text, lang in [(t, doc.src_lang) for t in doc.src] + [(t, doc.tgt_lang) for t in doc.tgt]:
            if not ARABIC_LETTERS.search(text):
                pool.setdefault(lang, []).extend(n.text for n in names(text, lang) if not n.text.isupper())
    return pool


def collect(docs: list[Document], encoder, log) -> list[Case]:
    rng = random.Random(SEED)
    cases: list[Case] = []
    pool = name_pool(docs)
    for doc in docs:
        both = [k for k, (s, t) in enumerate(doc.links) if s and t and len(s) <= 3 and len(t) <= 3]
        clean = alignment_of(doc, doc.src, doc.tgt, doc.links)
        for k, text, found, result in _scored(clean, encoder):
            if k in both:
                cases.append(Case(doc.corpus, None, *text, found, result))
        for copy in range(COPIES):
            src, tgt = list(doc.src), list(doc.tgt)
            links = list(doc.links)
            chosen = rng.sample(both, max(1, round(len(both) * DAMAGED_SHARE)))
            done: dict[int, tuple[str, tuple[int, int] | None]] = {}
            for k in chosen:
                s_ids, t_ids = links[k]
                s_text = " ".join(src[i] for i in s_ids)
                t_text = " ".join(tgt[j] for j in t_ids)
                other = both[(both.index(k) + rng.choice([-3, -2, -1, 1, 2, 3])) % len(both)]
                other_tgt = " ".join(doc.tgt[j] for j in doc.links[other][1])
                for kind in rng.sample(DAMAGES, len(DAMAGES)):
                    made = damage(kind, s_text, t_text, doc, other_tgt, pool, rng)
                    if made:
                        break
                else:
                    continue
                new_src, new_tgt, added = made
                # the damaged link's text goes into its first segment of each side, the rest empty
                for n, i in enumerate(s_ids):
                    src[i] = new_src if n == 0 else ""
                for n, j in enumerate(t_ids):
                    tgt[j] = new_tgt if n == 0 else ""
                if len(s_ids) > 1 or len(t_ids) > 1:
                    added = None
                done[k] = (kind, added)
            damaged = alignment_of(doc, src, tgt, links)
            for k, text, found, result in _scored(damaged, encoder):
                if k in done:
                    cases.append(Case(doc.corpus, done[k][0], *text, found, result, done[k][1]))
        log(f"  {doc.corpus} {doc.name}: {len(both)} links, {sum(c.corpus == doc.corpus for c in cases)} cases so far")
    return cases


def _scored(alignment: Alignment, encoder):
    """(link index, (source, target), evidence, LinkFidelity) of every link with both sides."""
    for k, (link, found) in enumerate(zip(alignment.links, link_evidence(alignment, encoder))):
        if found is not None:
            yield k, (alignment.src_text(link), alignment.tgt_text(link)), found, link_fidelity(link, found)


# ----------------------------------------------------------------------------- statistics


def auc(positive: list[float], negative: list[float]) -> float:
    """Probability that a random clean link scores above a random damaged one (ties half)."""
    if not positive or not negative:
        return float("nan")
    p = np.asarray(positive)[:, None]
    n = np.asarray(negative)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def report(cases: list[Case]) -> None:
    corpora = sorted({c.corpus for c in cases})
    print("\nFidelity against damage (AUC: clean vs damaged links; flagged: share labelled other than faithful)")
    header = f"{'damage':18s}" + "".join(f"{corpus + ' n':>14s}{'AUC':>7s}{'flagged':>9s}" for corpus in corpora)
    print(header)
    for damage_kind in (None, *DAMAGES, "all damage"):
        row = f"{damage_kind or 'clean':18s}"
        for corpus in corpora:
            clean = [c.result.fidelity for c in cases if c.corpus == corpus and c.damage is None]
            chosen = [c for c in cases if c.corpus == corpus and (
                c.damage == damage_kind if damage_kind != "all damage" else c.damage is not None)]
            flagged = sum(c.result.label != "faithful" for c in chosen) / len(chosen) if chosen else float("nan")
            value = auc(clean, [c.result.fidelity for c in chosen]) if damage_kind else float("nan")
            row += f"{len(chosen):14d}{value:7.3f}{flagged:9.2f}"
        print(row)

    print("\nIssue codes (recall on the damage that should raise them; rate on clean links)")
    for code, kind in (("number_mismatch", "number_changed"), ("name_mismatch", "name_changed"),
                       ("negation_mismatch", "negation_flipped")):
        damaged = [c for c in cases if c.damage == kind]
        clean = [c for c in cases if c.damage is None]
        hit = sum(code in c.result.issues for c in damaged)
        false = sum(code in c.result.issues for c in clean)
        print(f"  {code:16s} recall {hit}/{len(damaged)} = {hit / max(len(damaged), 1):.2f}"
              f"   on clean links {false}/{len(clean)} = {false / max(len(clean), 1):.3f}")
    changed = sum(c.evidence.numbers_changed for c in cases if c.damage is None)
    print(f"  (numbers on both sides that disagree, which makes a link major: {changed} clean links;"
          f" the rest are numbers on one side only, e.g. \"Article 3\" / \"مادهٔ سوم\")")

    added = [c for c in cases if c.damage == "clause_added" and c.added]
    inside = total_span = total_added = 0
    for c in added:
        a, b = c.added
        for s, e in c.result.tgt_spans:
            inside += max(0, min(e, b) - max(s, a))
            total_span += e - s
        total_added += b - a
    if added:
        print(f"\nTarget spans on clause_added ({len(added)} links): character precision "
              f"{inside / max(total_span, 1):.2f}, recall {inside / max(total_added, 1):.2f}")


def omissions(encoder) -> None:
    """Omission/addition labels after the whole pipeline on the UDHR omission variants."""
    from workbench import pipeline
    from workbench.options import Options

    print("\nOmission / addition labels after the pipeline (UDHR omission variants, per sentence)")
    for pair in UDHR_PAIRS:
        folder = UDHR / f"{pair}-omissions"
        src_lang, tgt_lang = pair.split("-")
        result = pipeline.run(folder / "src.txt", folder / "tgt.txt",
                              Options(split="lines", src_lang=src_lang, tgt_lang=tgt_lang))
        gold = read_links(folder / "gold.txt")
        for label, side in (("omission", 0), ("addition", 1)):
            want = {ids[side][0] for ids in gold if ids[side] and not ids[1 - side]}
            got = {(link.src if side == 0 else link.tgt)[0] for link, s in zip(result.links, result.scores)
                   if s.label == label}
            hit = len(want & got)
            print(f"  {pair} {label:9s} precision {hit}/{len(got)} = {hit / max(len(got), 1):.2f}"
                  f"   recall {hit}/{len(want)} = {hit / max(len(want), 1):.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--textberg", type=Path, default=TEXTBERG, help="Text+Berg folder (default: %(default)s)")
    args = parser.parse_args(argv)
    import torch

    from workbench.embed import load_encoder

    # One thread: on a shared two-core machine two torch threads spin against each other and
    # a forward pass took 15x longer (measured 1.9 s against 0.12 s per sentence).
    torch.set_num_threads(1)
    started = time.time()
    encoder = load_encoder()
    print(f"model: {encoder.name}")
    cases = collect(load_documents(args.textberg), encoder, print)
    report(cases)
    omissions(encoder)
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
