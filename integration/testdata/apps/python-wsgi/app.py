# python-wsgi: a WSGI app for gunicorn (installed by the pip-install fixture
# from vendor/, which the test fills with pip download); debugger tests break
# on the line marked BREAKPOINT inside a request a worker handles.


def app(environ, start_response):
    greeting = "hello from python-wsgi"  # BREAKPOINT python-wsgi
    body = ("%s path=%s" % (greeting, environ.get("PATH_INFO", ""))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
