"""sacrebleu BLEU, chrF and TER against a reference translation (or, in one language, the source)."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.languages import profile
from workbench.model import Alignment, ReferenceScores


def reference_scores(alignment: Alignment, reference: Sequence[str] | None) -> ReferenceScores:
    """sacrebleu BLEU, chrF and TER of the target against `reference` (one string per source
    segment) or, when None, against the source itself (same-language mode)."""
    import sacrebleu

    refs = [s.text for s in alignment.src] if reference is None else list(reference)
    if len(refs) != len(alignment.src):
        raise ValueError(f"reference has {len(refs)} segments for {len(alignment.src)} source segments")
    tokenize = profile(alignment.tgt_lang).bleu_tokenize
    metrics = (("BLEU", sacrebleu.BLEU(tokenize=tokenize, effective_order=True)),
               ("chrF", sacrebleu.CHRF()), ("TER", sacrebleu.TER()))
    bleu, chrf, ter = (metric for _, metric in metrics)
    hyps, corpus_refs, per_link = [], [], []
    for link in alignment.links:
        hyp = alignment.tgt_text(link)
        ref = " ".join(refs[i] for i in link.src if refs[i].strip())
        if not hyp.strip() or not ref.strip():
            per_link.append(None)
            continue
        hyps.append(hyp)
        corpus_refs.append(ref)
        per_link.append((round(bleu.sentence_score(hyp, [ref]).score, 2),
                         round(chrf.sentence_score(hyp, [ref]).score, 2),
                         round(ter.sentence_score(hyp, [ref]).score, 2)))
    corpus = [metric.corpus_score(hyps, [corpus_refs]) if hyps else None for metric in (bleu, chrf, ter)]
    return ReferenceScores(
        bleu=round(corpus[0].score, 2) if corpus[0] else 0.0,
        chrf=round(corpus[1].score, 2) if corpus[1] else 0.0,
        ter=round(corpus[2].score, 2) if corpus[2] else 0.0,
        signature="; ".join(f"{name} {metric.get_signature()}" for name, metric in metrics),
        links=tuple(per_link),
        against="source" if reference is None else "reference",
    )
