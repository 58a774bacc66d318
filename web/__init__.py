"""The browser viewer's static files (installed as ``mailtrap_web``); served by the HTTP port.

PYTEST_DONT_REWRITE
"""

from importlib.resources import files

#: The folder holding index.html, the JavaScript modules and the style sheet.
ASSETS = files(__name__)
