"""What text given by users (or by other systems) may hold: no lone surrogate, no bidirectional control,
and one line where a line is expected (subjects, names, file names)."""
from __future__ import annotations

import re

# U+202A-U+202E (embeddings, overrides), U+2066-U+2069 (isolates), U+200E/U+200F (marks): they reorder what a
# reader sees ("facture[U+202E]fdp.exe" shows as "facture" + "exe.pdf"), so a name or a file name cannot keep them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds a surrogate code point: JSON's "\\ud800" decodes to one, and no database
    driver nor mail header can encode it (a UnicodeEncodeError, a 500, far from the field that carried it)."""
    return bool(_SURROGATE.search(text))


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """``text`` as a single line: CR, LF and the other control characters become one space (a subject or a
    name never starts a new mail header), bidirectional controls go, surrounding spaces too."""
    return _LINE_BREAKS.sub(" ", strip_bidi(text)).strip()
