"""Reading pasted and uploaded lists of invitees: the shapes people really paste from
Outlook and spreadsheets, CSV in the encodings Excel writes, and broken lines named."""

from __future__ import annotations

import codecs

import pytest

from webapp.services.invitee_import import (
    InviteeImportError,
    decode_upload,
    parse_csv,
    parse_pasted,
)


def people(lines):
    """(line, name, email, organisation) of the valid people; errors as (line, error)."""
    return [(p.number, p.name, p.email, p.organisation) if p.error is None
            else (p.number, p.error) for p in lines]


@pytest.mark.parametrize("line, expected", [
    ("Anna Virtanen <anna.virtanen@heuni.fi>, HEUNI",
     ("Anna Virtanen", "anna.virtanen@heuni.fi", "HEUNI")),
    ('"Roth, Venla" <Venla.Roth@Gov.FI>', ("Roth, Venla", "venla.roth@gov.fi", "")),
    ('"Åsa Öberg" <asa@example.se>, "Jämställdhetsmyndigheten"',
     ("Åsa Öberg", "asa@example.se", "Jämställdhetsmyndigheten")),
    ("<bo@example.se>", ("", "bo@example.se", "")),
    ("bo.ek@polisen.se", ("", "bo.ek@polisen.se", "")),
    ("  mailto:bo.ek@polisen.se  ", ("", "bo.ek@polisen.se", "")),
    ("Åsa Öberg, asa.oberg@example.se, Jämställdhetsmyndigheten",
     ("Åsa Öberg", "asa.oberg@example.se", "Jämställdhetsmyndigheten")),
    ("Matti Mäkinen, matti@example.fi", ("Matti Mäkinen", "matti@example.fi", "")),
    ("Matti Mäkinen\tmatti@example.fi\tPoliisihallitus",
     ("Matti Mäkinen", "matti@example.fi", "Poliisihallitus")),
    ("matti@example.fi\tMatti Mäkinen\tPoliisihallitus",
     ("Matti Mäkinen", "matti@example.fi", "Poliisihallitus")),
    ("Matti Mäkinen; matti@example.fi; Poliisihallitus",
     ("Matti Mäkinen", "matti@example.fi", "Poliisihallitus")),
    ('"Ek, Bo", bo@example.se, "Polisen, Region Syd"',
     ("Ek, Bo", "bo@example.se", "Polisen, Region Syd")),
    ("ÅSA.ÖBERG@EXAMPLE.SE", ("", "åsa.öberg@example.se", "")),
])
def test_one_person_per_line_in_every_shape(app, line, expected):
    [person] = parse_pasted(line)
    assert person.error is None, person.error
    assert (person.name, person.email, person.organisation) == expected


def test_several_people_on_one_line_as_outlook_copies_them(app):
    text = ('Anna Virtanen <anna@heuni.fi>; "Roth, Venla" <venla@gov.fi>; Bo Ek <bo@polisen.se>\n'
            "Anna <a2@x.fi>, HEUNI, Bo <b2@y.se>\n"
            "c@x.fi, d@y.se; e@z.no\n"
            "f@x.fi g@y.se\n")
    assert people(parse_pasted(text)) == [
        (1, "Anna Virtanen", "anna@heuni.fi", ""), (1, "Roth, Venla", "venla@gov.fi", ""),
        (1, "Bo Ek", "bo@polisen.se", ""),
        (2, "Anna", "a2@x.fi", "HEUNI"), (2, "Bo", "b2@y.se", ""),
        (3, "", "c@x.fi", ""), (3, "", "d@y.se", ""), (3, "", "e@z.no", ""),
        (4, "", "f@x.fi", ""), (4, "", "g@y.se", ""),
    ]


def test_broken_lines_are_named_with_their_number_and_the_others_kept(app):
    text = "\n".join([
        "Anna Virtanen <anna@heuni.fi>, HEUNI",  # 1 fine
        "",  # 2 blank: skipped
        "Bo Ek, bo(at)polisen.se, Polisen",  # 3 no address
        "Cecilia <cecilia@>",  # 4 not an address
        "Dan, dan@x.se, eve@y.se",  # 5 two addresses in columns
        "Emma <emma@x.fi",  # 6 unmatched <
        "Frida, frida@x.se, Org, Unit, Room",  # 7 too many columns
        "Gun\x07nar, gunnar@x.se",  # 8 a control character
        "x" * 201 + ", long@x.se",  # 9 too long a name
        "Hanna <hanna@x.fi> <hanna2@x.fi>",  # 10 two addresses in one entry
        "Ilse Ilves, ilse@x.fi",  # 11 fine
    ])
    parsed = people(parse_pasted(text))
    assert parsed[0] == (1, "Anna Virtanen", "anna@heuni.fi", "HEUNI")
    assert parsed[-1] == (11, "Ilse Ilves", "ilse@x.fi", "")
    errors = dict(parsed[1:-1])
    assert list(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert errors[3] == "No email address found."
    assert errors[4] == "Not a valid email address: cecilia@"
    assert errors[5].startswith("More than one email address")
    assert errors[6] == "Unmatched < or >."
    assert errors[7].startswith("Too many columns")
    assert errors[8] == "Please use printable characters only."
    assert "longer than 200" in errors[9]
    assert errors[10].startswith("Put each person on a line of their own")


def test_too_long_a_list_is_refused_as_a_whole(app):
    with pytest.raises(InviteeImportError):
        parse_pasted("a@x.fi\n" * 2001)


# --- CSV files -------------------------------------------------------------------

ROWS = [("Åsa Öberg", "asa.oberg@example.se", "Jämställdhetsmyndigheten"),
        ("Matti Mäkinen", "matti@example.fi", "Poliisihallitus, Helsinki"),
        ("ÄÖÅ äöå", "aoa@example.fi", "")]


def csv_text(delimiter: str, header: str | None) -> str:
    lines = [header] if header else []
    for name, email, organisation in ROWS:
        cells = [name, email, organisation]
        lines.append(delimiter.join(f'"{c}"' if delimiter in c or "," in c else c
                                    for c in cells))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("header", [None, "Name{d}Email{d}Organisation",
                                    "Namn{d}E-post{d}Organisation",
                                    "Nimi{d}Sähköposti{d}Organisaatio"])
def test_csv_in_every_encoding_delimiter_and_header(app, encoding, delimiter, header):
    if header is not None:
        header = header.format(d=delimiter)
    raw = csv_text(delimiter, header).encode(encoding)
    parsed = people(parse_csv(decode_upload(raw)))
    start = 2 if header else 1
    assert parsed == [(start + i, *row) for i, row in enumerate(ROWS)]


def test_csv_columns_found_by_header_in_any_order_first_and_last_names_joined(app):
    text = ("Organisation;Förnamn;Efternamn;E-postadress\n"
            "Polisen;Bo;Ek;bo@polisen.se\n"
            "\n"
            "HEUNI;Anna;;ANNA@heuni.fi\n"
            "Nobody;No;Address;\n")
    assert people(parse_csv(text)) == [(2, "Bo Ek", "bo@polisen.se", "Polisen"),
                                       (4, "Anna", "anna@heuni.fi", "HEUNI"),
                                       (5, "No email address found.")]


def test_csv_rows_spanning_lines_keep_their_first_line_number(app):
    text = 'Name,Email,Organisation\n"Anna\nVirtanen",anna@x.fi,HEUNI\nBo,not-an-address,\n'
    assert people(parse_csv(text)) == [(2, "Anna\nVirtanen", "anna@x.fi", "HEUNI"),
                                       (4, "Not a valid email address: not-an-address")]


def test_a_single_column_of_addresses(app):
    assert [p.email for p in parse_csv("a@x.fi\nb@y.se\n")] == ["a@x.fi", "b@y.se"]


def test_excel_windows_1252_bytes_come_out_as_the_letters(app):
    raw = "Åsa Öberg;asa@x.se;Jämställdhetsmyndigheten\r\n".encode("cp1252")
    assert raw.startswith(b"\xc5sa \xd6berg")  # not UTF-8: one byte per letter
    assert decode_upload(raw) == "Åsa Öberg;asa@x.se;Jämställdhetsmyndigheten\r\n"
    assert decode_upload(codecs.BOM_UTF8 + "Åsa".encode()) == "Åsa"


def test_binary_files_are_refused(app):
    for raw in (b"PK\x03\x04\x00\x00binary", b"\x81\x8d\x8f\x90\x9d"):
        with pytest.raises(InviteeImportError):
            decode_upload(raw)
