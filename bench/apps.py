"""The ceiling: the least a WSGI app can do, served by the same gunicorn settings as the site."""

GREETING = b"Hello to the World of Flask!"
HEADERS = [("Content-Type", "text/plain"), ("Content-Length", str(len(GREETING)))]


def hello(environ, start_response):
    """Answer every request with the greeting as plain text."""
    start_response("200 OK", HEADERS)
    return [GREETING]
