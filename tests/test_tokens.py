"""Signed links: the same tokens as itsdangerous makes, read in both of its forms."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer

from webapp.tokens import PURPOSES, _serializer_for, _sign


def test_tokens_are_those_itsdangerous_makes_and_compressed_ones_are_read():
    ours = _serializer_for("a secret", "watch")
    plain = URLSafeSerializer("a secret", salt="webinar-desk/watch")
    assert ours.dumps([12345, 3]) == plain.dumps([12345, 3])
    compressed = plain.dumps(["x" * 200, 1])  # long enough for itsdangerous to compress
    assert compressed.startswith(".")
    assert ours.loads(compressed) == ["x" * 200, 1]
    assert plain.loads(ours.dumps(["x" * 200, 1])) == ["x" * 200, 1]


@settings(max_examples=300, deadline=None)
@given(registration_id=st.integers(min_value=-(2**63), max_value=2**63),
       version=st.integers(min_value=0, max_value=2**31),
       secret=st.text(min_size=1, max_size=40),
       purpose=st.sampled_from(PURPOSES))
def test_links_signed_for_email_are_the_tokens_the_serializer_makes(registration_id, version, secret,
                                                                     purpose):
    token = _sign(secret, purpose, registration_id, version)
    assert token == _serializer_for(secret, purpose).dumps([registration_id, version])
    plain = URLSafeSerializer(secret, salt=f"webinar-desk/{purpose}")
    assert plain.loads(token) == [registration_id, version]


def test_a_payload_that_is_not_two_whole_numbers_is_signed_by_itsdangerous_itself():
    plain = URLSafeSerializer("a secret", salt="webinar-desk/watch")
    assert _sign("a secret", "watch", True, 1) == plain.dumps([True, 1])
