"""Cell splitting for the `csv` and `split` operators (language.md §3.8, §7).

Both split one message into cells on a one-character delimiter; consecutive delimiters make empty
cells. They differ in quoting:

- `csv` follows RFC 4180: a cell that *starts* with the quote character is quoted, may hold
  delimiters, and writes a quote as two quotes; a quote elsewhere is an ordinary character. Text after
  a closing quote, up to the delimiter, is kept (as Python's csv module does).
- `split` treats every quote character as a toggle: delimiters between a pair of quotes do not split,
  and the quotes themselves are removed.

In both, the escape character makes the next character literal when that character is the quote, the
delimiter or the escape itself (`\\"`, `\\,`, `\\\\`); before anything else it is an ordinary character, so
Windows paths such as `C:\\temp` survive. A quote or escape option given as "" disables it.

Most lines hold neither a quote nor an escape character; for them splitting is one `str.split`
(~150 ns for 14 cells against ~4 µs for the character loop), so that is checked first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

__all__ = ["make_splitter"]


def make_splitter(
    kind: Literal["csv", "split"], delim: str = ",", quote: str = '"', escape: str = "\\"
) -> Callable[[str], list[str]]:
    """A function splitting one line into its cells."""
    if len(delim) != 1:
        raise ValueError("the delimiter is exactly one character")
    if len(quote) > 1 or len(escape) > 1:
        raise ValueError("quote and escape are one character (or empty to disable)")
    if len({delim, quote, escape} - {""}) != len([c for c in (delim, quote, escape) if c]):
        raise ValueError("delimiter, quote and escape must all be different")
    slow = _csv_cells if kind == "csv" else _split_cells
    specials = [c for c in (quote, escape) if c]

    def split(text: str) -> list[str]:
        for c in specials:
            if c in text:
                return slow(text, delim, quote, escape)
        return text.split(delim)

    return split


def _csv_cells(text: str, delim: str, quote: str, escape: str) -> list[str]:
    """RFC 4180 cells: quoted cells start with the quote; `""` inside them is one quote."""
    cells: list[str] = []
    cell: list[str] = []
    escapable = (quote, delim, escape)
    n = len(text)
    i = 0
    at_cell_start = True
    in_quotes = False
    while i < n:
        c = text[i]
        if c == escape and i + 1 < n and text[i + 1] in escapable:
            cell.append(text[i + 1])
            i += 2
            at_cell_start = False
            continue
        if in_quotes:
            if c == quote:
                if i + 1 < n and text[i + 1] == quote:
                    cell.append(quote)
                    i += 2
                    continue
                in_quotes = False
            else:
                cell.append(c)
        elif c == delim:
            cells.append("".join(cell))
            cell = []
            at_cell_start = True
            i += 1
            continue
        elif c == quote and at_cell_start:
            in_quotes = True
        else:
            cell.append(c)
        at_cell_start = False
        i += 1
    cells.append("".join(cell))
    return cells


def _split_cells(text: str, delim: str, quote: str, escape: str) -> list[str]:
    """Delimiter splitting where quotes (removed) protect delimiters and escapes protect one char."""
    cells: list[str] = []
    cell: list[str] = []
    escapable = (quote, delim, escape)
    n = len(text)
    i = 0
    in_quotes = False
    while i < n:
        c = text[i]
        if c == escape and i + 1 < n and text[i + 1] in escapable:
            cell.append(text[i + 1])
            i += 2
            continue
        if c == quote:
            in_quotes = not in_quotes
        elif c == delim and not in_quotes:
            cells.append("".join(cell))
            cell = []
        else:
            cell.append(c)
        i += 1
    cells.append("".join(cell))
    return cells
