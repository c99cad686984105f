"""One form per use case."""
