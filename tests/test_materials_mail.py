"""The recording notice lists the event's materials, each at an address that opens it
for the participant (registered-only ones through their own link)."""

from __future__ import annotations

import re

from tests.conftest import drain_mail
from tests.material_files import PDF, attach_file


def test_the_recording_notice_lists_the_materials(app, smtp, signup, reference_event, client,
                                                 travel):
    public = attach_file(reference_event, name="Rapport.pdf", title="The report")
    private = attach_file(reference_event, name="Slides.pdf", title="Slides of Part I",
                          access="registered", authors="Ilona Sekiguchi")
    public_id, private_id = public.id, private.id  # the drain ends this session
    travel("2021-11-10 12:00")
    signup.post(email="anna@example.org")
    travel("2021-11-18 18:40")
    drain_mail(app)
    [notice] = [m for m in smtp.messages if m["Subject"].startswith("The recording")]
    text = notice.get_body(("plain",)).get_content()
    html = notice.get_body(("html",)).get_content()
    assert ("Programme of the seminar (in English) (Ministry of Justice, Finland): "
            "https://oikeusministerio.fi/") in text
    assert f"The report: http://localhost/materials/{public_id}/Rapport.pdf" in text
    personal = re.search(rf"Slides of Part I \(Ilona Sekiguchi\): http://localhost(/p/[^/\s]+"
                         rf"/materials/{private_id})\n", text)
    assert personal, text
    assert "open through your personal link until Saturday 18 December 2021, 23:59 EET" in text
    assert f'href="http://localhost{personal.group(1)}"' in html
    opened = client.get(personal.group(1))
    assert opened.status_code == 200 and opened.data == PDF
