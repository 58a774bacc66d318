"""The Flask application factory: JSON routes, viewer files, JSON errors, security headers.

No module globals: everything the routes need lives in the :class:`~.respond.ApiState` held
by the app. Every error, including Flask's own 404/405/413 and unexpected exceptions, is
answered as JSON ``{"Error": ...}``; an unexpected exception is logged, and its details never
reach the client.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from . import routes_app, routes_faults, routes_list, routes_message
from .respond import COMMON_HEADERS, ApiError, ApiState, json_error

log = logging.getLogger("mailtrap.api")


def create_app(api: ApiState) -> Flask:
    """A Flask app serving the JSON API and the viewer's files for ``api``."""
    app = Flask("mailtrap.api", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = max_body(api.max_size)
    app.extensions["mailtrap"] = api
    app.register_blueprint(routes_list.bp)
    app.register_blueprint(routes_message.bp)
    app.register_blueprint(routes_faults.bp)
    app.register_blueprint(routes_app.bp)

    @app.errorhandler(ApiError)
    def api_error(problem: ApiError) -> Response:
        return json_error(problem.status, problem.message)

    @app.errorhandler(HTTPException)
    def http_error(problem: HTTPException) -> Response:
        response = json_error(problem.code or 500, problem.name)
        if problem.code == 405 and problem.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(problem.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(problem: Exception) -> Response:
        log.exception("unexpected error in the HTTP API")
        return json_error(500, "internal error")

    @app.after_request
    def common_headers(response: Response) -> Response:
        for name, value in COMMON_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def max_body(max_size: int) -> int:
    """Largest request body: a send request carries the message base64-encoded, in JSON."""
    return max_size * 4 // 3 + 1024 * 1024
