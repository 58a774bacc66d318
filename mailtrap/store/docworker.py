"""The indexing worker process: ``python -m mailtrap.store.docworker`` (see :mod:`.docpool`).

PYTEST_DONT_REWRITE
"""

from mailtrap.store.docpool import serve

if __name__ == "__main__":
    serve()
