"""The one home of control characters (workbench.text.controls): each place text leaves the
workbench takes its policy, and the policies differ exactly where their places do."""

from workbench.text import controls

HOSTILE = "a\tb\nc\rd\x1b[31me\x07f\x9bg\u202eh\u2066i\x7fj\x0ck"


def test_display_removes_only_what_reorders_a_page():
    assert controls.for_display(HOSTILE) == "a\tb\nc\rd\x1b[31me\x07f\x9bghi\x7fj\x0ck"


def test_terminal_keeps_tab_and_newline_and_nothing_else_that_drives_it():
    assert controls.for_terminal(HOSTILE) == "a\tb\ncd[31mefghijk"


def test_a_name_is_one_line_without_any_control():
    assert controls.for_name(HOSTILE) == "abcd[31mefghijk"


def test_xml_loses_what_xml_forbids_and_keeps_the_text_as_aligned():
    assert controls.for_xml(HOSTILE + "\ud800\ufffe") == "a\tb\nc\rd[31mef\x9bg\u202eh\u2066i\x7fjk"
