"""Answering HTMX requests with a partial and normal requests with the page."""

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """An HTMX request that wants a fragment (boosted requests want the page, and so
    does a history restore: going back to an address an active search pushed)."""
    environ = request.environ  # not request.headers: a missing header raises and is caught there
    return (environ.get("HTTP_HX_REQUEST") == "true" and environ.get("HTTP_HX_BOOSTED") != "true"
            and environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true")


def render(partial: str, page: str, status: int = 200, **context) -> Response:
    """Render ``partial`` for HTMX and ``page`` (which includes it) otherwise; the
    templates see ``status`` too (a 422 page's title says there are errors)."""
    fragment = is_htmx()
    response = make_response(render_template(partial if fragment else page, status=status,
                                             fragment=fragment, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str) -> Response:
    """Post/Redirect/Get: ``HX-Redirect`` for HTMX, a 303 otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    response = make_response("", 303)
    response.headers["Location"] = url
    return response
