"""Logging for the site: a refused or missing page (4xx) is one line in the log, not a
traceback; server errors (5xx) keep theirs."""

import logging


class NoTracebackFor4xx(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info, record.exc_text = None, None
        return True
