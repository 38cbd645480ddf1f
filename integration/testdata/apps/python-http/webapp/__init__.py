# webapp: the same server as a package, run as `python -m webapp`.
