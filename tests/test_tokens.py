"""Signed links: the same tokens as itsdangerous makes, read in both of its forms."""

from __future__ import annotations

from itsdangerous import URLSafeSerializer

from webapp.tokens import _serializer_for


def test_tokens_are_those_itsdangerous_makes_and_compressed_ones_are_read():
    ours = _serializer_for("a secret", "watch")
    plain = URLSafeSerializer("a secret", salt="webinar-desk/watch")
    assert ours.dumps([12345, 3]) == plain.dumps([12345, 3])
    compressed = plain.dumps(["x" * 200, 1])  # long enough for itsdangerous to compress
    assert compressed.startswith(".")
    assert ours.loads(compressed) == ["x" * 200, 1]
    assert plain.loads(ours.dumps(["x" * 200, 1])) == ["x" * 200, 1]
