"""Keep case data out of every log the dashboard process writes.

Panel, Bokeh and Tornado log a failed callback with the property change that caused it: for an upload
that is the whole file (id, age, trials, scores), at ERROR, with the exception and its traceback. The
dashboard never lets an upload's exception reach Panel, and in addition this module redacts every log
record from a logger that is not the package's own:

- the message and its arguments are replaced by a fixed text naming only the logger, the code location
  and the exception *type* (code, never data);
- exception info, cached traceback text and stack info are dropped from every record, the package's own
  included (a traceback quotes arguments and source lines).

The package's own loggers (``futility``, ``dashboards``) log counts only ("case loaded (3 trials)") and
keep their messages. :func:`install` puts :class:`RedactionFilter` on the root logger, the Panel, Bokeh,
Tornado, asyncio and param loggers and every logger already created under them, and on all their
handlers; ``record_factory=True`` (used when serving) also redacts at record creation, which covers
loggers and handlers created later.
"""
from __future__ import annotations

import logging
from typing import Any

#: Loggers whose records keep their message (they never log case contents).
OWN_PREFIXES = ("futility", "dashboards")

#: Loggers the dashboard process uses (a filter is installed on each, and on those created under them).
WATCHED = (
    "", "panel", "panel.reactive", "panel.callbacks", "panel.io", "panel.state", "panel.io.handlers",
    "bokeh", "bokeh.server", "bokeh.server.protocol_handler", "bokeh.server.views.ws", "bokeh.server.session",
    "bokeh.document", "bokeh.document.callbacks", "tornado", "tornado.application", "tornado.general",
    "tornado.access", "asyncio", "param", "auth", "py.warnings",
)
_PREFIXES = tuple(n for n in WATCHED if n)

#: The text that replaces a redacted message (followed by the logger, the code location and the exception type).
REDACTED = "message withheld by the dashboard's log redaction (it may carry case data)"

_MARK = "_futility_redacted"


def _own(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in OWN_PREFIXES)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Redact ``record`` in place (idempotent) and return it."""
    if getattr(record, _MARK, False):
        return record
    exc_type = None
    if record.exc_info and record.exc_info[0] is not None:
        exc_type = record.exc_info[0].__name__
    if not _own(record.name):
        where = f"{record.name} {record.funcName}:{record.lineno}"
        record.msg = f"{REDACTED} [{where}{'; ' + exc_type if exc_type else ''}]"
        record.args = ()
    elif exc_type:
        record.msg = f"{record.msg} [{exc_type}; traceback withheld]"
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    setattr(record, _MARK, True)
    return record


class RedactionFilter(logging.Filter):
    """A filter that redacts (see :func:`redact`) and keeps every record, so that an operator still sees
    that something happened, where, and of which exception type.
    """

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging's name
        redact(record)
        return True


FILTER = RedactionFilter()
_previous_factory: Any = None


def _watched_loggers() -> list[logging.Logger]:
    names = set(WATCHED)
    for name in list(logging.root.manager.loggerDict):
        if any(name == p or name.startswith(p + ".") for p in _PREFIXES):
            names.add(name)
    return [logging.getLogger(n) if n else logging.getLogger() for n in sorted(names)]


def install(*, record_factory: bool = False) -> None:
    """Install the redaction on every logger the dashboard uses and on their handlers (idempotent).

    ``record_factory`` also makes every record redacted when it is created (process-wide; used by the
    served dashboard, where no other code needs third-party log text).
    """
    global _previous_factory
    for logger in _watched_loggers():
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)
        for handler in logger.handlers:
            if FILTER not in handler.filters:
                handler.addFilter(FILTER)
    if record_factory and _previous_factory is None:
        _previous_factory = logging.getLogRecordFactory()
        previous = _previous_factory

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)


def installed() -> bool:
    """True when the filter is on the root logger and on Panel's callback logger."""
    return FILTER in logging.getLogger().filters and FILTER in logging.getLogger("panel.reactive").filters
