"""Access logs never hold the secret of an e-mailed link or a calendar feed."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

SECRET = "Zk3-secret_TOKEN-9f8e7d6c5b4a"
TOKEN_PATHS = [
    f"/login/link/{SECRET}",
    f"/login/link/{SECRET}?next=/evaluations/3",
    f"/password/reset/{SECRET}",
    f"/invitation/{SECRET}",
    f"/sign/{SECRET}",
    f"/sign/{SECRET}/pdf",
    f"/reflect/{SECRET}",
    f"/calendar/{SECRET}.ics",
]


def _gunicorn_access_line(path: str, caplog) -> str:
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s %({raw_uri}e)s')
    logger = Logger(config)
    logger.access_log.propagate = True  # let caplog see it
    target, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": target,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "192.0.2.1", "HTTP_REFERER": f"https://dualflow.test{path}"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("Referer", f"https://dualflow.test{path}")])
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        caplog.clear()
        logger.access(response, request, environ, timedelta(milliseconds=5))
    [record] = [r for r in caplog.records if r.name == "gunicorn.access"]
    for handler in logger.access_log.handlers:
        handler.flush()
    return record.getMessage()


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_gunicorn_access_log_lines_hold_no_token(app, path, caplog):
    line = _gunicorn_access_line(path, caplog)
    assert SECRET not in line
    # What the line is about stays readable.
    assert path.split(SECRET)[0] in line and "192.0.2.1" in line


def test_other_paths_are_logged_as_they_are(app, caplog):
    line = _gunicorn_access_line("/trajectories/12?tab=moments", caplog)
    assert "/trajectories/12?tab=moments" in line


def test_the_development_server_logs_no_token(app, caplog):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            # Paths under a token route that no view answers: no database needed for the 404.
            for path in (f"/reflect/{SECRET}/x", f"/sign/{SECRET}/x/y"):
                with pytest.raises(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{path}")
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/reflect/" in line for line in lines), lines
    assert all(SECRET not in line for line in lines), lines


def test_the_application_log_of_a_failed_request_holds_no_token(app, caplog):
    from flask import request

    with app.test_request_context(f"/sign/{SECRET}", method="POST"), \
            caplog.at_level(logging.ERROR, logger="dualflow"):
        # What Flask writes when a view raises.
        app.logger.error(f"Exception on {request.path} [{request.method}]")
    [record] = [r for r in caplog.records if r.name == "dualflow"]
    assert SECRET not in record.getMessage() and "/sign/" in record.getMessage()
