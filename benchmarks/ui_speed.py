"""How long the review app takes to show what a reviewer did, in a real browser.

    python -m benchmarks.ui_speed [--seed seeds/000_e5fe0829ebe86db2.txt] [--repeat 3] [--keep DIR]

Starts the app with `python -m workbench ui` on a temporary database (headless Debian
Chromium, as tests/test_browser.py drives it: benchmarks/browser.py), aligns the seed with
its button, and times each action in the server that aligned it. Then it restarts the server,
opens the document, makes the first edit (a merge) as soon as the page is there, and times
each action again. Every action is clicked `--repeat` times on links picked afresh (an edit
always makes links that have no stored score yet, so each one is scored; undo and redo step
back and forth over the last move).

Each time runs from the click on the action's button (already on screen: a menu it sits in
is opened first, and that is timed on its own, as "open a link's menu") to:
- **shown**: the action's result is in the page and not stale (a confirmed link says so, a
  merged link is there with its segments, an undone move shows the links as they were);
- **scored**: the links the action made show their fidelity;
- **done**: the app's run for the click has finished (nothing on the page is still changing).
The table gives the median over the repeats and, in brackets, the slowest.

The model and vector cache are the usual ones (WORKBENCH_MODELS_DIR, WORKBENCH_CACHE_DIR):
vectors already cached make the alignment quicker but not the actions, which encode the new
texts that edits make.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from benchmarks.browser import CHROMIUM_ARGS, ROOT, find_chromium, running_app
from workbench.model import LinkState
from workbench.review import edits
from workbench.review.store import Store
from workbench.ui.components import link_key

SEED = ROOT / "seeds" / "000_e5fe0829ebe86db2.txt"
ALIGN_TIMEOUT_MS = 900_000
ACTION_TIMEOUT_MS = 300_000
REVIEWER = "benchmark"
ACTIONS = ("confirm", "reject", "merge", "split", "move", "undo", "redo", "open a link's menu")  # table order

# True once every check holds: [selector, text it must contain or null, true: must be absent]
# (present: in the page and not stale, i.e. produced by the run that follows the click)
CHECKS_HOLD = """checks => checks.every(([selector, text, absent]) => {
    const found = document.querySelector(selector);
    if (absent) return !found;
    if (!found || found.querySelector('[data-stale="true"]') || found.closest('[data-stale="true"]')) return false;
    return text === null || found.textContent.includes(text);
})"""
RUN_DONE = """() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'"""


@dataclass
class Timing:
    shown: float
    scored: float | None
    done: float


def row(state: LinkState) -> str:
    return f".st-key-link-{link_key(state)}"


def both_sides(state: LinkState) -> bool:
    return bool(state.src and state.tgt)


class Session:
    """One browser page on one server: clicks and what they take."""

    def __init__(self, page, db: Store, doc_id: int):
        self.page, self.db, self.doc_id = page, db, doc_id
        self.menus: list[Timing] = []  # opening the menus that reject, merge, split and move are in

    def states(self) -> list[LinkState]:
        return self.db.load(self.doc_id).states

    def has_score(self, state: LinkState) -> bool:
        with sqlite3.connect(self.db.path) as conn:
            return conn.execute("SELECT 1 FROM link_scores WHERE document_id = ? AND src = ? AND tgt = ?",
                                (self.doc_id, json.dumps(list(state.src)), json.dumps(list(state.tgt)))
                                ).fetchone() is not None

    def wait(self, checks: list[list]) -> None:
        self.page.wait_for_function(CHECKS_HOLD, arg=checks, polling="raf", timeout=ACTION_TIMEOUT_MS)

    def settle(self) -> None:
        self.page.wait_for_function(RUN_DONE, polling="raf", timeout=ACTION_TIMEOUT_MS)

    def open_menu(self, state: LinkState, menu: str, inside: str) -> None:
        """Open a link's popover ("fix", "reject") and time until the button `inside` it is there."""
        self.menus.append(self.timed(f".st-key-{menu}-{link_key(state)} button", [[inside, None, False]]))

    def timed(self, button: str, shown: list[list], made: list[LinkState] = ()) -> Timing:
        """Click `button` and time until `shown` holds, the links `made` show a fidelity, and
        the run is over."""
        target = self.page.locator(button).first
        target.scroll_into_view_if_needed()
        started = time.perf_counter()
        target.click()
        self.wait(shown)
        at_shown = time.perf_counter() - started
        at_scored = None
        if made:
            self.wait([[row(s), "fidelity", False] for s in made])
            at_scored = time.perf_counter() - started
        self.page.wait_for_timeout(50)  # the click's run has begun by now if it had not yet
        self.settle()
        return Timing(at_shown, at_scored, time.perf_counter() - started)

    # -- the actions, each on a link picked afresh -------------------------------------------

    def pick(self, wanted: Callable[[list[LinkState], int], bool],
             size: Callable[[list[LinkState], int], int] = lambda states, i: 0) -> tuple[list[LinkState], int]:
        """The first link `wanted`, or of those the one of least `size`."""
        self.page.keyboard.press("Escape")  # close a menu the last action left open
        states = self.states()
        found = [i for i in range(len(states)) if wanted(states, i)]
        if not found:
            raise RuntimeError("no link left to benchmark this action on; use a longer seed or fewer repeats")
        return states, min(found, key=lambda i: size(states, i))

    def new_links(self, splice: tuple[int, int, list[LinkState]]) -> bool:
        """Whether an edit makes a link with both sides, and only links with no stored score
        (so that it has real scoring to do)."""
        _, _, after = splice
        return any(both_sides(s) for s in after) and not any(self.has_score(s) for s in after)

    def confirm(self) -> Timing:
        states, i = self.pick(lambda s, i: both_sides(s[i]) and s[i].status != "confirmed")
        return self.timed(f".st-key-confirm-{link_key(states[i])} button",
                          [[row(states[i]), f"confirmed by {REVIEWER}", False]])

    def reject(self) -> Timing:
        states, i = self.pick(lambda s, i: both_sides(s[i]) and s[i].status != "rejected")
        key = link_key(states[i])
        self.open_menu(states[i], "reject", f".st-key-error-{key}-submit button")
        return self.timed(f".st-key-error-{key}-submit button", [[row(states[i]), "rejected:", False]])

    def _edit(self, splice_of, button_of, prepare=None) -> tuple[Timing, tuple]:
        """Open the link's "Fix alignment" menu, `prepare(state)` what the edit needs there
        (untimed), click the edit's button and time it."""
        # the edit that makes the shortest links (the edits before it leave longer and longer ones)
        states, i = self.pick(lambda s, i: self._fits(splice_of, s, i),
                              lambda s, i: sum(len(t.src) + len(t.tgt) for t in splice_of(s, i)[2]))
        at, count, after = splice_of(states, i)
        button = button_of(states[i])
        self.open_menu(states[i], "fix", button)
        if prepare is not None:
            prepare(states[i])
        shown = [[row(s), None, False] for s in after] + [[row(s), None, True] for s in states[at:at + count]]
        return self.timed(button, shown, after), (at, count, after, states[at:at + count])

    def _fits(self, splice_of, states: list[LinkState], i: int) -> bool:
        try:
            splice = splice_of(states, i)
        except Exception:  # the edit does not apply to this link
            return False
        return self.new_links(splice)

    def merge(self) -> Timing:  # with the next link
        timing, _ = self._edit(lambda s, i: edits.merge(s, i, "next") if both_sides(s[i]) and i + 1 < len(s)
                               and both_sides(s[i + 1]) else _no(),
                               lambda state: f".st-key-merge-next-{link_key(state)} button")
        return timing

    def split(self) -> Timing:
        def splice_of(states: list[LinkState], i: int):
            return edits.split(states, i, *self.cuts(states[i])[self.cut(states[i])])

        def choose(state: LinkState) -> None:  # the cut, in the menu's list (choosing it reruns the page)
            options = self.page.get_by_role("option")
            for _ in range(5):  # a click while the menu is still being drawn may not open the list
                self.page.locator(f".st-key-split-at-{link_key(state)} input").click()
                try:
                    options.first.wait_for(timeout=5_000)
                    break
                except PlaywrightTimeout:
                    continue
            options.nth(self.cut(state)).click()
            self.page.wait_for_timeout(50)
            self.settle()

        timing, _ = self._edit(splice_of, lambda state: f".st-key-split-{link_key(state)} button", choose)
        return timing

    @staticmethod
    def cuts(state: LinkState) -> list[tuple[int, int]]:
        """The cuts the "Split into" menu offers, in its order (workbench.ui.app.fix_menu)."""
        return [(a, b) for a in range(len(state.src) + 1) for b in range(len(state.tgt) + 1)
                if (a or b) and (a < len(state.src) or b < len(state.tgt))]

    def cut(self, state: LinkState) -> int:
        """The first cut that makes a link with both sides and only links with no stored score."""
        for k, (a, b) in enumerate(self.cuts(state)):
            pieces = [LinkState(state.src[:a], state.tgt[:b]), LinkState(state.src[a:], state.tgt[b:])]
            if all(p.src or p.tgt for p in pieces) and self.new_links((0, 1, pieces)):
                return k
        raise ValueError("no cut of this link makes new links")

    def move(self) -> tuple[Timing, tuple]:
        # a link with two target segments or more, next to one with a source: both links then
        # have two sides
        return self._edit(lambda s, i: edits.move(s, i, "tgt", "next") if len(s[i].tgt) > 1 and s[i].src
                          and i + 1 < len(s) and s[i + 1].src else _no(),
                          lambda state: f".st-key-move-tgt-next-{link_key(state)} button")

    def step(self, step: str, shows: list[LinkState], hides: list[LinkState]) -> Timing:
        gone = [s for s in hides if not any(s.same_segments(t) for t in shows)]
        return self.timed(f".st-key-{step} button",
                          [[row(s), None, False] for s in shows] + [[row(s), None, True] for s in gone])


def _no():
    raise ValueError("not this link")


def actions(session: Session, repeat: int, results: dict[str, list[Timing]]) -> None:
    """Every action `repeat` times; undo and redo step back and forth over the move."""
    for _ in range(repeat):
        results["confirm"].append(session.confirm())
        results["reject"].append(session.reject())
        results["merge"].append(session.merge())
        timing, (at, count, after, before) = session.move()  # a move needs two target segments:
        results["move"].append(timing)                        # the merge's link gives them
        results["undo"].append(session.step("undo", before, after))
        results["redo"].append(session.step("redo", after, before))
        results["split"].append(session.split())
    results["open a link's menu"] = session.menus


def cell(timings: list[Timing], what: str) -> str:
    values = [getattr(t, what) for t in timings if getattr(t, what) is not None]
    if not values:
        return "–"
    text = f"{statistics.median(values):.2f}"
    return text + (f" ({max(values):.2f})" if len(values) > 1 else "")


def table(columns: dict[str, dict[str, list[Timing]]]) -> str:
    names = list(columns)
    lines = ["| action | " + " | ".join(f"{n}: shown | scored | done" for n in names) + " |",
             "|---|" + "---|---|---|" * len(names)]
    order = [a for column in columns.values() for a in column]
    for action in sorted(dict.fromkeys(order), key=lambda a: ACTIONS.index(a) if a in ACTIONS else -1):
        cells = [cell(columns[n].get(action, []), w) for n in names for w in ("shown", "scored", "done")]
        lines.append(f"| {action} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=Path, default=SEED, help="a seed article (its folder is offered as seeds)")
    parser.add_argument("--repeat", type=int, default=3, help="times each action is timed per server")
    parser.add_argument("--keep", type=Path, help="keep the database and server logs in this folder")
    parser.add_argument("--headed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found (apt-get install chromium)")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="workbench-ui-speed-"))
    db_path = folder / "data" / "review.sqlite"
    env = {"WORKBENCH_REVIEWER": REVIEWER, "WORKBENCH_SEEDS": str(args.seed.resolve().parent)}
    columns: dict[str, dict[str, list[Timing]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS,
                                             headless=not args.headed)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            with running_app(db_path, folder, env) as url:
                page.goto(url)
                started = time.perf_counter()
                page.locator(f".st-key-seed-{args.seed.stem} button").click(timeout=120_000)
                page.locator(".st-key-back").wait_for(timeout=ALIGN_TIMEOUT_MS)
                align_s = time.perf_counter() - started
                db = Store(db_path)
                [info] = db.documents()
                session = Session(page, db, info.id)
                session.settle()
                same: dict[str, list[Timing]] = defaultdict(list)
                actions(session, args.repeat, same)
                columns["in the server that aligned"] = same

            restarted: dict[str, list[Timing]] = defaultdict(list)
            with running_app(db_path, folder, env) as url:
                started = time.perf_counter()
                page.goto(url)
                page.locator(f".st-key-open-{info.id} button").wait_for(timeout=ACTION_TIMEOUT_MS)
                first_page = time.perf_counter() - started
                session = Session(page, db, info.id)
                opened = session.timed(f".st-key-open-{info.id} button",
                                       [[row(s), None, False] for s in session.states()])
                restarted["open the document"].append(opened)
                restarted["first edit: merge"].append(session.merge())
                actions(session, args.repeat, restarted)
                columns["after a restart"] = restarted
        except Exception:
            page.screenshot(path=str(folder / "failure.png"))
            print(f"The page as it was: {folder / 'failure.png'}")
            raise
        finally:
            browser.close()
    print(f"Seed {args.seed.name}, {os.cpu_count()} CPUs; aligned in {align_s:.1f} s; after the restart "
          f"the document list showed {first_page:.2f} s after the page was asked for. Seconds from "
          f"the click; median of {args.repeat} (slowest):\n")
    print(table(columns))
    if args.keep:
        print(f"\nDatabase and server logs kept in {folder}")


if __name__ == "__main__":
    main()
