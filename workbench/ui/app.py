"""The review workbench in the browser: a thin Streamlit shell over `workbench.review`.

Run it with `python -m workbench ui`, or directly:

    streamlit run workbench/ui/app.py -- [--db data/review.sqlite] [--seeds seeds] [--model NAME]
        [--device auto|cpu|cuda]

Each option may also come from the environment (`WORKBENCH_DB`, `WORKBENCH_SEEDS`,
`WORKBENCH_MODEL`, `WORKBENCH_DEVICE`, and `WORKBENCH_REVIEWER` for the default reviewer name);
the command line wins. The model aligns (uploads, seeds, re-aligning) and scores edits on the
device given, as `align --device` does. Exports are made in memory when a download button is
clicked (so a read-only database in a read-only folder exports too), and uploads are read in
memory and stored in the database, never written as files, so no name a user sends reaches
the file system. A read-only database says so on every page.

Every action goes straight to the store in its own transaction, so the page is only a view:
a rerun, a second tab or a restarted server shows the same state. The model is loaded in a
process of its own as soon as the server shows its first page (workbench.ui.scorer), and an
edit scores only the links it made, so an action shows its result at once; if the model is
still loading, the page shows the edit first and scores its links when the model is ready.
Document text is data: it is escaped (and stripped of bidi controls) wherever it is put
into HTML.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from workbench import embed, fidelity, paths, pipeline
from workbench.align import align
from workbench.errors import InputError
from workbench.model import (
    CATEGORIES,
    LABELS,
    SEVERITIES,
    Alignment,
    LinkFidelity,
    LinkState,
    ReviewError,
    ScoredAlignment,
    Span,
    review_counts,
)
from workbench.options import Options
from workbench.output import formats
from workbench.output.report import marks_record, pass_fail, scorecard_figures, scoring_rule
from workbench.output.style import LABEL_COLOURS, OTHER_COLOUR, PASS_COLOURS, VERDICT_COLOURS
from workbench.output.text import escape
from workbench.review import marks
from workbench.review.edits import relink_partners
from workbench.review.marks import category_label
from workbench.review.scorecard import DEFAULT_THRESHOLD, scorecard
from workbench.review.store import ReviewedDocument, Step, Store, content_key
from workbench.text import document
from workbench.text.segment import SPLITS
from workbench.text.xliff import is_xliff_name
from workbench.ui import MAX_UPLOAD_MB, scorer
from workbench.ui.components import (
    STYLE,
    display_name,
    errors_html,
    file_stem,
    is_flagged,
    link_key,
    markdown_escape,
    meta_html,
    requested_document,
    shown_spans,
    side_html,
)

PAGE_SIZE = 20
EXPORT_WATCH = 600  # seconds the page watches a clicked export (it may wait for the model to load)
EXPORTS = (".csv", ".tmx", ".xlsx", ".xlf", ".html")  # the files the sidebar offers (see workbench.output.formats)
STATUS_FILTERS = ("all", "unreviewed", "confirmed", "rejected", "flagged by the engine")
ORDERS = ("document order", "least faithful first")  # how the link list is ordered


@dataclass(frozen=True)
class Settings:
    """Where the app keeps its state and finds its inputs."""

    db: Path
    seeds: Path
    model: str | None
    device: str  # where the model runs: auto, cpu or cuda (workbench.embed.load_encoder checks it)


def settings(argv: list[str] | None = None) -> Settings:
    """The app's options from the arguments after `--` and the environment (arguments win)."""
    parser = argparse.ArgumentParser(prog="workbench ui", allow_abbrev=False, add_help=False)
    parser.add_argument("--db", default=os.environ.get("WORKBENCH_DB") or paths.database())
    parser.add_argument("--seeds", default=os.environ.get("WORKBENCH_SEEDS") or paths.seeds())
    parser.add_argument("--model", default=os.environ.get("WORKBENCH_MODEL") or None)
    parser.add_argument("--device", default=os.environ.get("WORKBENCH_DEVICE") or "auto")
    # under `streamlit run` argv holds our options; under a test runner, its own: ignore those
    options, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Settings(Path(options.db), Path(options.seeds), options.model, options.device)


# -------------------------------------------------------------------------- resources


@st.cache_resource
def open_store(path: str) -> Store:
    return Store(path)


@st.cache_resource(show_spinner=False)
def model_process(model: str | None, device: str) -> scorer.ModelProcess:
    """The model in a process of its own (workbench.ui.scorer), started by the first page
    anyone opens: it loads while the pages go on answering, once per server."""
    return scorer.ModelProcess(model, device)


def model_ready(config: Settings) -> bool:
    return model_process(config.model, config.device).ready()


def to_measure(alignment: Alignment, known: list[LinkFidelity | None]) -> bool:
    """Whether a link without a score has text on both sides (its score needs the model)."""
    return any(found is None and link.src and link.tgt for link, found in zip(alignment.links, known))


def score_with(config: Settings):
    """The scorer `Store.rescore` takes: it measures only the links that have no score yet,
    in the model's process (waiting for the model only if there is such a link)."""
    process = model_process(config.model, config.device)

    def score(alignment: Alignment, known: list[LinkFidelity | None]) -> ScoredAlignment:
        if not to_measure(alignment, known):
            return fidelity.rescore(alignment, None, known)
        return process.rescore(alignment, known)

    return score


def align_with(config: Settings):
    """The aligner `Store.realign` takes: align around the pinned links."""
    encoder = embed.load_encoder(config.model, config.device)
    return lambda src, tgt, pinned: align(src, tgt, encoder, pinned=pinned)


# -------------------------------------------------------------------------- text as HTML


# -------------------------------------------------------------------------- state helpers


def reviewer() -> str:
    name = str(st.session_state.get("reviewer") or "").strip()
    return name or "anonymous"


def default_reviewer() -> str:
    if os.environ.get("WORKBENCH_REVIEWER"):
        return os.environ["WORKBENCH_REVIEWER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def read_only_banner(db: Store) -> str:
    """What every page says of a database this process may not write (`Store.read_only`)."""
    banner = (f"The review database {db.path} is read-only: browse and export it; edits are refused. "
              "Make the file and its folder writable, and restart the workbench, to edit.")
    if db.upgraded_in_memory:
        banner += (" It was written by an older workbench: it is shown upgraded in memory, as it was "
                   "when the workbench opened it; the file is left as it was.")
    return banner


def flash(kind: str, message: str) -> None:
    st.session_state.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("flash", []):
        {"error": st.error, "success": st.success, "info": st.info, "warning": st.warning}[kind](
            markdown_escape(message))


def open_document(doc_id: int | None) -> None:
    st.session_state["doc_id"] = doc_id
    show_page(1)
    st.session_state.pop("focus", None)
    if doc_id is None:
        st.query_params.pop("doc", None)
    else:
        st.query_params["doc"] = str(doc_id)


# -------------------------------------------------------------------------- actions (callbacks)


def run_action(db: Store, doc_id: int, name: str, index: int, state: LinkState, **arguments) -> None:
    """Apply one store action to the link the reviewer clicked; errors become a message."""
    try:
        getattr(db, name)(doc_id, index, who=reviewer(), expect=state, **arguments)
    except InputError as error:
        flash("error", str(error))
    else:
        st.session_state["focus"] = index


def error_action(db: Store, doc_id: int, index: int, state: LinkState, form: str,
                 suggested: ReviewError | None, words: dict[str, list[Span]]) -> None:
    """Record the error the form `form` describes: the words chosen on each side (`words`,
    the spans the form offered), the category, severity and comment; from a detector mark,
    whether the reviewer changed it."""
    src_spans, tgt_spans = (marks.selected_spans(words[side], st.session_state.get(f"{form}-{side}-words") or [])
                            for side in ("src", "tgt"))
    category, severity = st.session_state[f"{form}-category"], st.session_state[f"{form}-severity"]
    origin = {} if suggested is None else {
        "mark": suggested.mark, "decision": marks.decision(suggested, category, severity, src_spans, tgt_spans)}
    run_action(db, doc_id, "reject", index, state, category=category, severity=severity,
               comment=st.session_state.get(f"{form}-comment") or "", src_spans=src_spans, tgt_spans=tgt_spans,
               **origin)


def accept_action(db: Store, doc_id: int, index: int, state: LinkState, suggested: ReviewError) -> None:
    """Take a detector mark as the error it suggests."""
    run_action(db, doc_id, "reject", index, state, category=suggested.category, severity=suggested.severity,
               src_spans=suggested.src_spans, tgt_spans=suggested.tgt_spans, mark=suggested.mark,
               decision="accepted")


def split_action(db: Store, doc_id: int, index: int, state: LinkState) -> None:
    src_at, tgt_at = st.session_state[f"split-at-{link_key(state)}"]
    run_action(db, doc_id, "split", index, state, src_at=src_at, tgt_at=tgt_at)


def relink_action(db: Store, doc_id: int, index: int, state: LinkState) -> None:
    run_action(db, doc_id, "relink", index, state,
               other=st.session_state[f"relink-to-{link_key(state)}"])


def step_action(db: Store, doc_id: int, step: Step, done: str) -> None:
    """Undo or redo (`Store.undo` / `Store.redo`) and say which edit, by whom, it was."""
    try:
        edit = getattr(db, step)(doc_id, who=reviewer())
    except InputError as error:  # e.g. the database is read-only or locked
        flash("error", str(error))
        return
    if edit is None:
        flash("info", f"Nothing to {step}.")
    else:
        link = edit.payload.get("link")
        where = f" of link {link + 1}" if link is not None else ""
        flash("success", f"{done} {edit.type}{where} ({edit.who}, {edit.at}).")


def delete_action(db: Store, doc_id: int, name: str) -> None:
    """Delete the document for good (see `Store.delete`) and go back to the document list."""
    try:
        db.delete(doc_id)
    except InputError as error:  # deleted meanwhile, in another tab
        flash("error", str(error))
    else:
        flash("success", f"Deleted {name} with its review and history.")
    open_document(None)


@dataclass
class Exports:
    """One browser session's exports. A download button's file is made when it is clicked, in
    a thread of its own (`export_bytes`) that no Streamlit command reaches, where a failure
    would only be the browser's "Failed to generate file": so it is kept here, and the page
    says it. The click reruns the page, which counts the export in (`export_clicked`); the
    export counts itself out when it ends, in whichever order the two come; while one is
    counted, the page watches for its end (`rerun_when_exported`), a while at most."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    clicked: int = 0
    ended: int = 0
    since: float = 0.0  # time.monotonic() of the last click
    failures: list[str] = field(default_factory=list)


def session_exports() -> Exports:
    return st.session_state.setdefault("exports", Exports())


def export_clicked(exports: Exports) -> None:
    with exports.lock:
        exports.clicked += 1
        exports.since = time.monotonic()


def exporting(exports: Exports) -> bool:
    """Whether an export clicked in the last EXPORT_WATCH seconds has not ended."""
    with exports.lock:
        return exports.ended < exports.clicked and time.monotonic() - exports.since < EXPORT_WATCH


def export_failures(exports: Exports) -> list[str]:
    """The failures of this session's exports not said yet (each is said once)."""
    with exports.lock:
        failures, exports.failures = exports.failures, []
    return failures


def export_bytes(db: Store, doc_id: int, name: str, score, exports: Exports,
                 threshold: float = DEFAULT_THRESHOLD) -> bytes:
    """The document's current reviewed state as the file `name` (its suffix picks the format;
    its stem titles a report), made in memory when the button is clicked, every link scored
    with `score` (see score_with): an edit made while the model was still loading is scored now.
    Why it could not be made (the document deleted, the database unusable, the model failed)
    is kept in `exports` for the page to say."""
    try:
        reviewed = db.load(doc_id)
        if not reviewed.scored:
            reviewed = db.rescore(doc_id, score)
        return formats.encoded(reviewed.alignment, name, reviewed.review,
                               formats.Context(original=reviewed.xliff, threshold=threshold))
    except (InputError, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        with exports.lock:
            exports.failures.append(f"Could not make {name}: {reason}")
        raise
    finally:
        with exports.lock:
            exports.ended += 1


# -------------------------------------------------------------------------- documents page


def documents_page(db: Store, config: Settings) -> None:
    st.title("Alignment workbench")
    st.caption("Check whether a translation says what its original says.")
    documents = db.documents()
    st.subheader("Documents")
    if not documents:
        st.caption("Nothing aligned yet: pick a seed article or upload a file below.")
    for info in documents:
        with st.container(border=True, key=f"doc-{info.id}"):
            name, counts, button = st.columns([5, 4, 1], vertical_alignment="center")
            name.html(f"<b>{escape(info.name)}</b> <span class='wb-meta'>{escape(info.src_lang)} → "
                      f"{escape(info.tgt_lang)} · {escape(info.created_at)}</span>")
            verdict = f" · {info.verdict}" if info.verdict else ""
            counts.caption(markdown_escape(
                f"{info.links} links · {info.confirmed} confirmed · {info.rejected} rejected{verdict}"))
            button.button("Open", key=f"open-{info.id}", on_click=open_document, args=(info.id,))

    st.subheader("Seed articles")
    seeds = sorted(config.seeds.glob("*.txt")) if config.seeds.is_dir() else []
    if not seeds:
        st.caption(markdown_escape(f"No seed articles in {config.seeds}."))
    for path in seeds:
        seed_row(db, config, path)

    st.subheader("Upload")
    upload_form(db, config)


def seed_row(db: Store, config: Settings, path: Path) -> None:
    text = document.read_text(path)
    options = Options(model=config.model, device=config.device)
    key = content_key(text, None, **options.input_key())
    stored = db.find(key)
    name, button = st.columns([9, 1], vertical_alignment="center")
    name.html(f"{escape(path.name)} <span class='wb-meta'>"
              f"{'aligned' if stored else 'not aligned yet'}</span>")
    if stored is not None:
        button.button("Open", key=f"seed-{path.stem}", on_click=open_document, args=(stored,))
    elif button.button("Align", key=f"seed-{path.stem}"):
        aligned = run_alignment(lambda: pipeline.run(path, options=options))
        if aligned is not None:
            saved = db.save(aligned, name=path.name, key=key, source_text=text, who=reviewer())
            open_document(saved)
            st.rerun()


def run_alignment(work) -> ScoredAlignment | None:
    """Run `work()` (the pipeline) with a progress indicator; bad input becomes a message."""
    with st.status("Aligning: reading, segmenting, embedding, aligning, scoring…", expanded=True) as status:
        try:
            status.write("Loading the model and aligning (the first time takes a little longer)…")
            aligned = work()
        except InputError as error:
            status.update(label="Could not align", state="error")
            st.error(markdown_escape(str(error)))
            return None
        status.update(label=f"Aligned: {len(aligned.links)} links", state="complete")
    return aligned


def upload_form(db: Store, config: Settings) -> None:
    layout = st.radio("What do you upload?", ("One bilingual file", "An original and its translation"),
                      horizontal=True, key="upload-layout")
    with st.form("upload", border=True):
        first = st.file_uploader("Bilingual file (text, or a CAT tool's XLIFF)" if layout.startswith("One")
                                 else "Original",
                                 key="upload-first", max_upload_size=MAX_UPLOAD_MB)
        second = (st.file_uploader("Translation", key="upload-second", max_upload_size=MAX_UPLOAD_MB)
                  if not layout.startswith("One") else None)
        src_col, tgt_col, split_col = st.columns(3)
        src_lang = src_col.text_input("Source language (blank: detect)", key="upload-src-lang")
        tgt_lang = tgt_col.text_input("Target language (blank: detect)", key="upload-tgt-lang")
        split = split_col.selectbox("Split into", SPLITS, key="upload-split")
        submitted = st.form_submit_button("Align upload")
    if not submitted:
        return
    try:
        if first is None or (second is None and not layout.startswith("One")):
            raise InputError("Choose the file(s) to upload first.")
        texts = []
        for upload in (first, second):
            if upload is None:
                texts.append(None)
                continue
            data = upload.getvalue()
            if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
                raise InputError(f"{display_name(upload.name)} is larger than {MAX_UPLOAD_MB} MB.")
            texts.append(document.decode(data, display_name(upload.name)))
    except InputError as error:
        st.error(markdown_escape(str(error)))
        return
    text, translation = texts
    name = display_name(first.name) + (f" + {display_name(second.name)}" if second else "")
    options = Options(split=split, model=config.model, device=config.device, src_lang=src_lang.strip() or None,
                      tgt_lang=tgt_lang.strip() or None)
    key = content_key(text, translation, **options.input_key())
    stored = db.find(key)
    if stored is None and translation is None and is_xliff_name(first.name):
        # a CAT tool's bilingual file: its units are the links, as its author paired them
        aligned = run_alignment(lambda: pipeline.run_xliff(text, display_name(first.name), options))
    elif stored is None:
        aligned = run_alignment(lambda: pipeline.run_texts(
            text, translation, options, name=display_name(first.name),
            translation_name=display_name(second.name) if second else "translation"))
    if stored is None:
        if aligned is None:
            return
        stored = db.save(aligned, name=name, key=key, source_text=text,
                         translation_text=translation, who=reviewer())
    open_document(stored)
    st.rerun()


# -------------------------------------------------------------------------- review page


def review_page(db: Store, config: Settings, doc_id: int) -> None:
    try:
        reviewed = db.load(doc_id)
        # the links an edit made are scored now, unless that needs the model and it is still
        # loading: then the page shows the edit at once, and scores them when it is ready
        if not reviewed.scored and (model_ready(config)
                                    or not to_measure(reviewed.alignment, reviewed.link_scores)):
            with st.spinner("Scoring the changed links…"):
                reviewed = db.rescore(doc_id, score_with(config))
    except InputError as error:  # e.g. deleted in another tab
        open_document(None)
        flash("error", str(error))
        st.rerun()
    alignment, states = reviewed.alignment, reviewed.states
    scores = list(alignment.scores) if reviewed.scored else list(reviewed.link_scores)

    sidebar(db, config, reviewed)
    back, title = st.columns([1.5, 8.5], vertical_alignment="center")
    back.button("← Documents", key="back", on_click=open_document, args=(None,))
    title.html(f'<h2 class="wb-title">{escape(reviewed.info.name)}</h2>'
               f'<div class="wb-meta">{escape(alignment.src_lang)} → {escape(alignment.tgt_lang)} · '
               f'{len(alignment.src)} source and {len(alignment.tgt)} target segments · '
               f'model {escape(alignment.model)}</div>')
    summary_bar(reviewed)
    scorecard_panel(reviewed)
    if not reviewed.scored:
        st.info("The model is still loading: the links you changed are scored as soon as it is ready.")
        rerun_when_model_ready(config)
    if alignment.notes:
        st.html('<div class="wb-notes">' + "<br>".join(escape(note) for note in alignment.notes) + "</div>")

    tools = st.columns(4)
    with tools[0].container(horizontal=True):
        st.button("Undo last action", key="undo", on_click=step_action, args=(db, doc_id, "undo", "Undid"))
        st.button("Redo", key="redo", on_click=step_action, args=(db, doc_id, "redo", "Redid"),
                  help="Re-apply what was undone last, until something new is done.")
    from_xliff = reviewed.xliff is not None
    if tools[1].button("Re-align unpinned links", key="realign", disabled=from_xliff,
                       help="A CAT tool's file is reviewed as its units pair it: merge, split or move to fix a unit."
                       if from_xliff else "Align again around the pinned links; decisions on unchanged links are kept."):
        with st.spinner("Re-aligning around the pinned links…"):
            try:
                outcome = db.realign(doc_id, align_with(config), who=reviewer())
            except InputError as error:
                flash("error", str(error))
            else:
                flash("success", f"Re-aligned: {outcome.kept} links kept, {outcome.changed} new.")
                if outcome.dropped:
                    lost = "; ".join(f"source {list(s.src)} / target {list(s.tgt)} ({s.status})"
                                     for s in outcome.dropped)
                    flash("warning", f"These reviewed links no longer exist, so their decisions "
                                     f"no longer apply (undo brings them back): {lost}.")
        st.rerun()

    visible = filtered(states, scores)
    jump_to = None
    if tools[2].button("Next unreviewed ↓", key="next-unreviewed"):
        jump_to = next_after(visible, lambda i: not states[i].reviewed, "unreviewed link")
    if tools[3].button("Next flagged ↓", key="next-flagged"):
        jump_to = next_after(visible, lambda i: is_flagged(scores[i]) and not states[i].reviewed,
                             "unreviewed flagged link")
    if jump_to is not None:
        st.session_state["focus"] = jump_to
        show_page(visible.index(jump_to) // PAGE_SIZE + 1)

    pages = max(1, -(-len(visible) // PAGE_SIZE))
    st.caption(f"{len(visible)} of {len(states)} links shown")
    wanted = min(st.session_state.get("page-wanted", 1), pages)
    page = (st.pagination(pages, default=wanted, key=f"page-{st.session_state.get('page-nav', 0)}")
            if pages > 1 else 1)
    focus = st.session_state.get("focus")
    for index in visible[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
        link_row(db, reviewed, index, scores[index], focused=index == focus)
    if focus is not None and focus in visible[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
        st.html(f"<script>document.querySelector('.st-key-link-{link_key(states[focus])}')"
                f"?.scrollIntoView({{block: 'center'}})</script>", unsafe_allow_javascript=True)


@st.fragment(run_every=0.5)
def rerun_when_model_ready(config: Settings) -> None:
    """Rerun the page (which scores the changed links) once the model has loaded."""
    if model_ready(config):
        st.rerun(scope="app")


@st.fragment(run_every=0.5)
def rerun_when_exported(exports: Exports) -> None:
    """Rerun the page (which says why, if it failed) once the clicked export has ended."""
    if not exporting(exports):
        st.rerun(scope="app")


def next_after(visible: list[int], wanted, what: str) -> int | None:
    """The first wanted link after the focused one among the visible ones, wrapping around."""
    focus = st.session_state.get("focus", -1)
    ordered = [i for i in visible if i > focus] + [i for i in visible if i <= focus]
    found = next((i for i in ordered if wanted(i)), None)
    if found is None:
        flash("info", f"No {what} among the links shown.")
    return found


def summary_bar(reviewed: ReviewedDocument) -> None:
    summary = reviewed.alignment.summary if reviewed.scored else None
    states = reviewed.states
    counts = review_counts(s.status for s in states)
    confirmed, rejected = counts["confirmed"], counts["rejected"]
    cells = st.columns([2, 1, 1, 1, 1])
    if summary is not None:
        cells[0].metric("Verdict", summary.verdict)
        cells[1].metric("Coverage", f"{summary.coverage:.0%}")
        cells[2].metric("Fidelity", f"{summary.fidelity:.2f}")
    cells[3].metric("Reviewed", f"{confirmed + rejected} / {len(states)}")
    cells[4].metric("Rejected", rejected)
    if summary is not None:
        chips = "".join(
            f'<span class="wb-chip" style="background: {LABEL_COLOURS.get(label, OTHER_COLOUR)}">'
            f'{escape(label)} {count}</span>' for label, count in summary.label_counts.items() if count)
        verdict = (f'<span class="wb-chip" style="background: '
                   f'{VERDICT_COLOURS.get(summary.verdict, OTHER_COLOUR)}">{escape(summary.verdict)}</span>')
        st.html(f'<div class="wb-meta">{verdict}{chips}</div>')


def scorecard_panel(reviewed: ReviewedDocument) -> None:
    """The LQA scorecard of the review so far (`workbench.review.scorecard`), as the report
    shows it: the score and PASS or FAIL, what it is made of, and the rule that made it."""
    card = scorecard(reviewed.alignment, reviewed.review, threshold=passing_score())
    with st.expander("Scorecard (MQM)", expanded=card is not None and card.errors > 0):
        st.number_input("Passing score", 0.0, 100.0, DEFAULT_THRESHOLD, 0.5, key="mqm-threshold",
                        help="The least MQM score a document passes with (this session; the HTML report "
                             "downloaded here uses it too).")
        with st.container(key="scorecard"):
            if card is None:
                st.caption("Confirm links or record errors: the scorecard is made of the reviewed links.")
                return
            figures = card.to_json()
            cells = st.columns(5)
            cells[0].metric("MQM score", f"{card.score:.2f}")
            cells[0].html(f'<span class="wb-chip" style="background: {PASS_COLOURS[card.passed]}">'
                          f'{pass_fail(card.passed)}</span>')
            for cell, (name, value) in zip(cells[1:], scorecard_figures(figures)):
                cell.metric(name, value)
            if card.errors:  # a row a category, a column a severity, as in the report
                st.table(pd.DataFrame.from_dict(card.table, orient="index").rename(index=category_label))
            st.caption(markdown_escape(scoring_rule(figures)))
            st.caption(markdown_escape(marks_record(figures)))


def passing_score() -> float:
    """The scorecard's passing score this session uses (the panel's "Passing score")."""
    return float(st.session_state.get("mqm-threshold", DEFAULT_THRESHOLD))


def filtered(states: list[LinkState], scores: list[LinkFidelity | None]) -> list[int]:
    """Indices of the links that pass the filters (label, fidelity range, issue, review status),
    in document order or least faithful first."""
    issues = sorted({issue for score in scores if score for issue in score.issues})
    with st.expander("Filter and order", expanded=False):
        label_col, range_col, issue_col, status_col, order_col = st.columns(5)
        labels = label_col.multiselect("Label", LABELS, key="f-labels", on_change=show_page, args=(1,))
        low, high = range_col.slider("Fidelity", 0.0, 1.0, (0.0, 1.0), 0.05, key="f-range",
                                     on_change=show_page, args=(1,))
        wanted_issues = issue_col.multiselect("Issue", issues, key="f-issues", on_change=show_page, args=(1,))
        status = status_col.selectbox("Review", STATUS_FILTERS, key="f-status", on_change=show_page, args=(1,))
        order = order_col.selectbox("Order", ORDERS, key="f-order", on_change=show_page, args=(1,))

    def keep(i: int) -> bool:
        score, state = scores[i], states[i]
        if score is not None:
            if labels and score.label not in labels:
                return False
            if not low <= score.fidelity <= high:
                return False
            if wanted_issues and not set(wanted_issues) & set(score.issues):
                return False
        if status == "flagged by the engine":
            return is_flagged(score)
        return status == "all" or state.status == status

    kept = [i for i in range(len(states)) if keep(i)]
    if order == ORDERS[1]:
        return sorted(kept, key=lambda i: scores[i].fidelity if scores[i] is not None else 1.0)
    return kept


def show_page(number: int) -> None:
    """Turn the pager to page `number` (a fresh pager widget starts there; the user's own
    page turns stay with the current one)."""
    st.session_state["page-wanted"] = number
    st.session_state["page-nav"] = st.session_state.get("page-nav", 0) + 1


def link_row(db: Store, reviewed: ReviewedDocument, index: int, score: LinkFidelity | None,
             focused: bool) -> None:
    alignment, state = reviewed.alignment, reviewed.states[index]
    doc_id, key, last = reviewed.info.id, link_key(state), len(reviewed.states) - 1
    colour = LABEL_COLOURS.get(score.label, OTHER_COLOUR) if score else OTHER_COLOUR
    with st.container(border=True, key=f"link-{key}"):
        st.html(meta_html(index + 1, state, score, focused,
                          (alignment.src_text(state.link), alignment.tgt_text(state.link))))
        for column, side, segments, lang in zip(st.columns(2), ("src", "tgt"), (alignment.src, alignment.tgt),
                                                (alignment.src_lang, alignment.tgt_lang)):
            spans, reviewers = shown_spans(state, score, side)
            column.html(side_html(segments, getattr(state, side), spans, lang, colour, reviewers))
        if state.errors:
            st.html(errors_html(state.errors, alignment.src_text(state.link), alignment.tgt_text(state.link)))
        act = functools.partial(run_action, db, doc_id)
        for suggested in marks.open_marks(score, state):
            mark_row(db, reviewed, index, state, suggested)
        with st.container(horizontal=True):
            st.button("Confirm", key=f"confirm-{key}", on_click=act, args=("confirm", index, state),
                      help="A correct translation (its errors, if any, are taken back).")
            with st.popover("Add error…", key=f"reject-{key}"):
                error_form(db, reviewed, index, state, f"error-{key}", None)
            if state.errors:
                with st.popover("Remove error…", key=f"remove-{key}"):
                    for k, error in enumerate(state.errors):
                        st.button(f"{k + 1}. {error.severity} {error.category}", key=f"remove-{k}-{key}",
                                  on_click=act, args=("remove_error", index, state), kwargs={"error": k})
            st.button("Unpin" if state.pinned else "Pin", key=f"pin-{key}", on_click=act,
                      args=("pin", index, state), kwargs={"pinned": not state.pinned},
                      help="Pinned links stay as they are when the rest is re-aligned.")
            with st.popover("Fix alignment…", key=f"fix-{key}"):
                fix_menu(db, reviewed, index, state, key, last)


def mark_row(db: Store, reviewed: ReviewedDocument, index: int, state: LinkState, suggested: ReviewError) -> None:
    """One detector mark the reviewer has not decided on: what it suggests, and take it,
    change it or dismiss it."""
    key, doc_id = f"{suggested.mark}-{link_key(state)}", reviewed.info.id
    with st.container(horizontal=True, key=f"mark-{key}", vertical_alignment="center"):
        st.caption(markdown_escape(f"Detector: {suggested.mark} suggests {suggested.severity} "
                                   f"{category_label(suggested.category)}"))
        st.button("Accept", key=f"accept-{key}", on_click=accept_action, args=(db, doc_id, index, state, suggested))
        with st.popover("Edit…", key=f"edit-{key}"):
            error_form(db, reviewed, index, state, f"edit-form-{key}", suggested)
        st.button("Dismiss", key=f"dismiss-{key}", on_click=run_action,
                  args=(db, doc_id, "dismiss", index, state), kwargs={"mark": suggested.mark})


def error_form(db: Store, reviewed: ReviewedDocument, index: int, state: LinkState, form: str,
               suggested: ReviewError | None) -> None:
    """The MQM error form: words on either side (none: the whole link), category, severity,
    comment; filled with a detector mark's suggestion when it edits one."""
    alignment = reviewed.alignment
    texts = {"src": alignment.src_text(state.link), "tgt": alignment.tgt_text(state.link)}
    words = {side: marks.word_spans(text) for side, text in texts.items()}
    with st.form(form, border=False):
        for side, text in texts.items():
            spans = getattr(suggested, f"{side}_spans", ())
            chosen = [k for k, (start, end) in enumerate(words[side]) if any(s <= start and end <= e for s, e in spans)]
            if words[side]:
                labels = marks.word_labels(text, words[side])  # unique: the widget tells its options by their labels
                st.pills(f"{'Source' if side == 'src' else 'Target'} words (none: the whole link)",
                         range(len(words[side])), selection_mode="multi", default=chosen,
                         key=f"{form}-{side}-words", format_func=labels.__getitem__)
        category = suggested.category if suggested else CATEGORIES[0]
        st.selectbox("Category", CATEGORIES, index=CATEGORIES.index(category), key=f"{form}-category",
                     format_func=category_label)
        st.segmented_control("Severity", SEVERITIES, default=suggested.severity if suggested else "major",
                             key=f"{form}-severity", required=True)
        st.text_area("Comment", key=f"{form}-comment")
        st.form_submit_button("Record error", key=f"{form}-submit", on_click=error_action,
                              args=(db, reviewed.info.id, index, state, form, suggested, words))


def fix_menu(db: Store, reviewed: ReviewedDocument, index: int, state: LinkState, key: str,
             last: int) -> None:
    act = functools.partial(run_action, db, reviewed.info.id)
    merge_prev, merge_next = st.columns(2)
    merge_prev.button("Merge with previous", key=f"merge-prev-{key}", disabled=index == 0,
                      on_click=act, args=("merge", index, state), kwargs={"direction": "previous"})
    merge_next.button("Merge with next", key=f"merge-next-{key}", disabled=index == last,
                      on_click=act, args=("merge", index, state), kwargs={"direction": "next"})
    for side, side_name in (("src", "source"), ("tgt", "target")):
        segments = getattr(state, side)
        up, down = st.columns(2)
        up.button(f"{side_name.title()}: first → previous link", key=f"move-{side}-prev-{key}",
                  disabled=not segments or index == 0, on_click=act, args=("move", index, state),
                  kwargs={"side": side, "direction": "previous"})
        down.button(f"{side_name.title()}: last → next link", key=f"move-{side}-next-{key}",
                    disabled=not segments or index == last, on_click=act, args=("move", index, state),
                    kwargs={"side": side, "direction": "next"})
    cuts = [(a, b) for a in range(len(state.src) + 1) for b in range(len(state.tgt) + 1)
            if (a or b) and (a < len(state.src) or b < len(state.tgt))]
    if cuts:
        st.selectbox("Split into", cuts, key=f"split-at-{key}",
                     format_func=lambda cut: _split_label(state, *cut))
        st.button("Split", key=f"split-{key}", on_click=split_action,
                  args=(db, reviewed.info.id, index, state))
    st.button("Unlink (no counterpart for each segment)", key=f"unlink-{key}",
              disabled=not (state.src and state.tgt), on_click=act, args=("unlink", index, state))
    partners = relink_partners(reviewed.states, index)
    if partners:
        st.selectbox("Relink with", partners, key=f"relink-to-{key}", format_func=lambda i: f"link #{i + 1}")
        st.button("Relink", key=f"relink-{key}", on_click=relink_action,
                  args=(db, reviewed.info.id, index, state))


def _split_label(state: LinkState, src_at: int, tgt_at: int) -> str:
    def part(ids: tuple[int, ...]) -> str:
        return ",".join(map(str, ids)) or "—"

    return (f"[src {part(state.src[:src_at])} | tgt {part(state.tgt[:tgt_at])}]  +  "
            f"[src {part(state.src[src_at:])} | tgt {part(state.tgt[tgt_at:])}]")


def sidebar(db: Store, config: Settings, reviewed: ReviewedDocument) -> None:
    with st.sidebar:
        st.subheader("Export")
        stem, score, exports = file_stem(reviewed.info.name), score_with(config), session_exports()
        for suffix in EXPORTS:
            name, file = f"{stem}{suffix}", formats.FORMATS[suffix]
            st.download_button(file.label, data=functools.partial(export_bytes, db, reviewed.info.id, name, score,
                                                                  exports, passing_score()),
                               file_name=name, mime=file.media_type, key=f"export-{suffix[1:]}",
                               on_click=export_clicked, args=(exports,))
        if exporting(exports):
            rerun_when_exported(exports)
        with st.expander("History"):
            for action in reversed(db.history(reviewed.info.id)[-50:]):
                link = action.payload.get("link")
                what = action.type + (f" #{link + 1}" if link is not None else "")
                stepped = action.payload.get("undone_type") or action.payload.get("redone_type")
                if stepped:
                    what += f" ({stepped})"
                st.caption(markdown_escape(f"{action.at} · {action.who} · {what}"))
        with st.expander("Delete document"):
            # a second, deliberate step, so a misclick deletes nothing
            sure = st.checkbox("I am sure: delete this document, its review and its history for good",
                               key=f"delete-sure-{reviewed.info.id}")
            st.button("Delete document", key="delete", disabled=not sure, on_click=delete_action,
                      args=(db, reviewed.info.id, reviewed.info.name))


# -------------------------------------------------------------------------- page


def main() -> None:
    st.set_page_config(page_title="Alignment workbench", layout="wide")
    config = settings()
    model_process(config.model, config.device)  # the model loads in its own process from the first page on
    st.html(STYLE)
    st.sidebar.text_input("Reviewer", key="reviewer", value=default_reviewer())
    try:
        db = open_store(str(config.db))
        if db.read_only:
            st.warning(markdown_escape(read_only_banner(db)))
        if "doc_id" not in st.session_state:
            open_document(requested_document(st.query_params.get("doc", ""), {info.id for info in db.documents()}))
        for failure in export_failures(session_exports()):
            flash("error", failure)
        show_flash()
        if st.session_state["doc_id"] is None:
            documents_page(db, config)
        else:
            review_page(db, config, st.session_state["doc_id"])
    except InputError as error:  # a database that cannot be used (StoreError): say why, not a traceback
        st.error(markdown_escape(str(error)))


if __name__ == "__main__":  # `streamlit run` runs this file as __main__; importing it runs nothing
    main()
