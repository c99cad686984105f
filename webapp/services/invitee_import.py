"""Reading lists of invitees as coordinators paste or upload them.

Pasted text, one person a line, in the shapes people copy from Outlook or a
spreadsheet::

    Anna Virtanen <anna.virtanen@heuni.fi>, HEUNI
    "Roth, Venla" <venla.roth@gov.fi>
    bo.ek@polisen.se
    Åsa Öberg, asa.oberg@example.se, Jämställdhetsmyndigheten
    Åsa Öberg<TAB>asa.oberg@example.se<TAB>Jämställdhetsmyndigheten
    Anna <anna@x.fi>; Bo <bo@y.se>          (several people on one line)
    anna@x.fi, bo@y.se                       (addresses alone, several on one line)

or a CSV file (UTF-8, UTF-8 with a BOM, Excel's Windows-1252, or Excel's UTF-16
"Unicode text"; ``,``, ``;`` or tab sniffed; a header row optional). In a row
without a header, the cell holding an address is the address, the first other
cell the name and the second the organisation.

Nothing here touches the database: the result is a list of ``InviteeLine``, each
valid or with its error (line number and what is wrong); the service marks
duplicates against the event's invitations.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError
from flask_babel import gettext as _

from webapp.forms.registration import normalise_email

MAX_LINES = 2000
MAX_NAME = 200

_ANGLE = re.compile(r"<([^<>]*)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Header words (lower case) naming each column, in English, Swedish and Finnish.
_HEADERS = {
    "email": {"email", "e-mail", "e-mail address", "email address", "mail", "address",
              "e-post", "epost", "e-postadress", "sähköposti", "sähköpostiosoite", "säpo"},
    "name": {"name", "full name", "namn", "nimi", "koko nimi", "person"},
    "first": {"first name", "given name", "förnamn", "etunimi"},
    "last": {"last name", "surname", "family name", "efternamn", "sukunimi"},
    "organisation": {"organisation", "organization", "org", "company", "employer",
                     "organisation/company", "organisation name", "agency", "myndighet",
                     "organisaatio", "företag", "yritys", "virasto", "affiliation"},
}


class InviteeImportError(Exception):
    """The upload cannot be read at all (not text, too many lines)."""


@dataclass
class InviteeLine:
    """One person as read from a line (or CSV row), or the line's error."""

    number: int  # the line in the text, from 1
    source: str  # the text it was read from, as shown in the preview
    name: str = ""
    email: str = ""  # normalised (lower case)
    organisation: str = ""
    error: str | None = None
    #: Set by the service: "paste" (an earlier line has the address) or "invited".
    duplicate: str | None = None
    duplicate_of: int | None = None  # the earlier line's number

    @property
    def valid(self) -> bool:
        """Will be invited on confirmation."""
        return self.error is None and self.duplicate is None


# --- decoding an upload ------------------------------------------------------------


def decode_upload(raw: bytes) -> str:
    """The text of an uploaded file: UTF-16 with its BOM, UTF-8 (with or without a
    BOM), else Windows-1252 (Excel's "CSV" on Windows). Raises InviteeImportError
    for what is not text."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InviteeImportError(_("The file is not a text or CSV file.")) from None
    if b"\x00" in raw:
        raise InviteeImportError(_("The file is not a text or CSV file."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined
        raise InviteeImportError(_("The file is not a text or CSV file.")) from None


# --- pasted text ------------------------------------------------------------------


def parse_pasted(text: str) -> list[InviteeLine]:
    """Every person in pasted text, line by line (blank lines skipped)."""
    lines = text.splitlines()
    _check_size(lines)
    people: list[InviteeLine] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if line:
            people += _read_line(number, line)
    return people


def _read_line(number: int, line: str) -> list[InviteeLine]:
    """The people on one pasted line."""
    if _ANGLE.search(line):
        return [_angle_entry(number, entry) for entry in _angle_entries(line)]
    words = [word for word in re.split(r"[\s,;]+", line) if word]
    if len(words) > 1 and all("@" in word for word in words):  # addresses alone
        return [_from_cells(number, word, [word]) for word in words]
    separator = next((s for s in ("\t", ";") if s in line), ",")
    return [_from_cells(number, line, _split(line, separator))]


def _split(line: str, separator: str) -> list[str]:
    """Cells of a line, quotes respected, blanks dropped."""
    row = next(csv.reader([line], delimiter=separator, skipinitialspace=True), [])
    return [cell.strip() for cell in row if cell.strip()]


def _angle_entries(line: str) -> list[str]:
    """``Name <a@x>; Name2 <b@y>`` (or with commas between) as one text per person."""
    entries = [e.strip() for e in _outside_quotes_split(line, ";") if e.strip()]
    if len(entries) == 1 and len(_ANGLE.findall(line)) > 1:
        entries = [e.strip() for e in _outside_quotes_split(line, ",") if e.strip()]
        entries = _join_organisations(entries)
    return entries


def _join_organisations(pieces: list[str]) -> list[str]:
    """After a split on commas, a piece without ``<...>`` is the organisation of the
    person before it (``Anna <a@x>, HEUNI, Bo <b@y>``)."""
    joined: list[str] = []
    for piece in pieces:
        if joined and not _ANGLE.search(piece):
            joined[-1] += ", " + piece
        else:
            joined.append(piece)
    return joined


def _outside_quotes_split(text: str, separator: str) -> list[str]:
    """``text`` split on ``separator`` where it is not inside double quotes."""
    pieces, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _angle_entry(number: int, entry: str) -> InviteeLine:
    """``"Name" <address>, Organisation`` (the name and organisation optional)."""
    match = _ANGLE.search(entry)
    if match is None or _ANGLE.search(entry, match.end()):
        return _problem(number, entry, _("Put each person on a line of their own, or "
                                         "separate them with ;"))
    name = entry[:match.start()].strip().strip('"').strip()
    rest = entry[match.end():].strip().lstrip(",;\t").strip().strip('"').strip()
    return _person(number, entry, name, match.group(1).strip(), rest)


def _from_cells(number: int, source: str, cells: list[str]) -> InviteeLine:
    """A person from cells: the one with an ``@`` is the address, the first other
    the name, the second the organisation."""
    addresses = [cell for cell in cells if "@" in cell]
    others = [cell.strip('"').strip() for cell in cells if "@" not in cell]
    if not addresses:
        return _problem(number, source, _("No email address found."))
    if len(addresses) > 1:
        return _problem(number, source, _("More than one email address: put each person "
                                          "on a line of their own."))
    if len(others) > 2:
        return _problem(number, source, _("Too many columns: expected a name, an email "
                                          "address and an organisation."))
    name = others[0] if others else ""
    organisation = others[1] if len(others) > 1 else ""
    return _person(number, source, name, addresses[0], organisation)


def _person(number: int, source: str, name: str, address: str,
            organisation: str) -> InviteeLine:
    """A checked person, or the line's error."""
    address = address.strip().strip('"').strip().removeprefix("mailto:")
    if any(bracket in name + address + organisation for bracket in "<>"):
        return _problem(number, source, _("Unmatched < or >."))
    if _CONTROL.search(name + organisation):
        return _problem(number, source, _("Please use printable characters only."))
    if len(name) > MAX_NAME or len(organisation) > MAX_NAME:
        return _problem(number, source, _("A name or organisation is longer than %(max)d "
                                          "characters.", max=MAX_NAME))
    try:
        email = normalise_email(address)
    except EmailNotValidError:
        return _problem(number, source,
                        _("Not a valid email address: %(address)s", address=address))
    return InviteeLine(number, source, name=name, email=email, organisation=organisation)


def _problem(number: int, source: str, error: str) -> InviteeLine:
    return InviteeLine(number, source, error=error)


def _check_size(lines: list) -> None:
    if len(lines) > MAX_LINES:
        raise InviteeImportError(_("The list has more than %(max)d lines: please add it "
                                   "in parts.", max=MAX_LINES))


# --- CSV --------------------------------------------------------------------------


def parse_csv(text: str) -> list[InviteeLine]:
    """Every person in a CSV file's text (delimiter sniffed, header row optional)."""
    text = text.lstrip("\ufeff")
    _check_size(text.splitlines())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: dict[str, int] | None = None
    people: list[InviteeLine] = []
    first = True
    start = 1
    for row in reader:
        cells = [cell.strip() for cell in row]
        number, start = start, reader.line_num + 1
        if not any(cells):
            continue
        if first:
            first = False
            columns = _header(cells)
            if columns is not None:
                continue
        source = "; ".join(cell for cell in cells if cell)
        people.append(_from_row(number, source, cells, columns))
    return people


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab, as the first lines use them."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",;\t", key=first.count)


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column positions from a header row, or None when the row is not a header."""
    if any("@" in cell for cell in cells):
        return None
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        word = cell.strip().strip('"').lower().rstrip(":").strip()
        for key, words in _HEADERS.items():
            if word in words and key not in columns:
                columns[key] = index
    return columns if "email" in columns else None


def _from_row(number: int, source: str, cells: list[str],
              columns: dict[str, int] | None) -> InviteeLine:
    """A person from a CSV row, by the header's columns or by content."""
    if columns is None:
        return _from_cells(number, source, [cell for cell in cells if cell])

    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name = cell("name") or " ".join(part for part in (cell("first"), cell("last")) if part)
    if not cell("email"):
        return _problem(number, source, _("No email address found."))
    return _person(number, source, name, cell("email"), cell("organisation"))
