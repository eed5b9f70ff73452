"""Logging set-up with a last line of defence against secrets.

Code should never log a passcode, start URL or token in the first place; this filter
scrubs the shapes such secrets take (bearer tokens, Slack tokens, ``pwd=``/``zak=``
query values also percent-encoded or JSON-escaped, a Slack ``response_url``, JSON
``password`` fields) in case a library or an exception message does.
"""

from __future__ import annotations

import logging
import re
import sys

# A query separator or "=" as it appears raw, percent-encoded (a form body: %3F, %26,
# %3D) or JSON-escaped (\u003f, \u0026, \u003d).
_SEP = r"(?:^|(?<=[?&\s\"',;(])|%3[Ff]|%26|\\u003[fF]|\\u0026)"
_EQ = r"(?:=|%3[Dd]|\\u003[dD])"
_VALUE = r"(?:[A-Za-z0-9._~+/-]|%(?!26)[0-9A-Fa-f]{2})+"

_PATTERNS = (
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+"), "[redacted-slack-token]"),
    (re.compile(rf"(?i)({_SEP}(?:pwd|zak|tk|token|access_token){_EQ}){_VALUE}"),
     r"\1[redacted]"),
    (re.compile(r"(?i)hooks\.slack(?:-gov)?\.com(?:/|%2[Ff]|\\/)[^\s\"'&]+"),
     "hooks.slack.com/[redacted]"),
    (re.compile(r"(?i)(\"?(?:password|passcode|h323_password|pstn_password|"
                r"encrypted_password|access_token|client_secret|start_url)\"?\s*[:=]\s*)"
                r"(\"[^\"]*\"|'[^']*'|[^\s,}]+)"), r"\1\"[redacted]\""),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup(level: str = "INFO", stream=None) -> None:  # type: ignore[no-untyped-def]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
