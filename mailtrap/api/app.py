"""The Flask application factory: the table's Flask routes, JSON errors, security headers.

No module globals: everything the routes need lives in the :class:`~.respond.ApiState` held
by the app. Every error, including Flask's own 404/405/413 and unexpected exceptions, is
answered by the one JSON error writer (:func:`~.errors.error_answer`); an unexpected exception
is logged, and its details never reach the client.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from .errors import COMMON_HEADERS, ApiError, error_answer
from .respond import ApiState, admin_only, flask_response
from .routes import ROUTES

log = logging.getLogger("mailtrap.api")


def create_app(api: ApiState) -> Flask:
    """A Flask app serving the JSON API and the viewer's files for ``api``."""
    app = Flask("mailtrap.api", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = max_body(api.max_size)
    app.extensions["mailtrap"] = api
    for route in ROUTES:
        if route.view is not None:
            endpoint = f"{route.method} {route.path}"
            view = admin_only(route.view) if route.admin else route.view
            app.add_url_rule(route.rule, endpoint, view, methods=[route.method])

    @app.errorhandler(ApiError)
    def api_error(problem: ApiError) -> Response:
        return _response(problem)

    @app.errorhandler(HTTPException)
    def http_error(problem: HTTPException) -> Response:
        allowed = getattr(problem, "valid_methods", None)
        headers = {"Allow": ", ".join(allowed)} if problem.code == 405 and allowed else None
        return _response(ApiError(problem.code or 500, problem.name, headers))

    @app.errorhandler(Exception)
    def unexpected(problem: Exception) -> Response:
        log.exception("unexpected error in the HTTP API")
        return _response(ApiError(500, "internal error"))

    @app.after_request
    def common_headers(response: Response) -> Response:
        for name, value in COMMON_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _response(problem: ApiError) -> Response:
    return flask_response(error_answer(problem))


def max_body(max_size: int) -> int:
    """Largest request body: a send request carries the message base64-encoded, in JSON."""
    return max_size * 4 // 3 + 1024 * 1024
