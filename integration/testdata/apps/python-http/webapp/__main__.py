# Entry point for `python -m webapp`.
from webapp.app import serve

serve()
