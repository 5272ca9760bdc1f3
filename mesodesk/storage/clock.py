"""Timestamps as stored: UTC, ISO 8601 with microseconds, so text order is time order."""

from __future__ import annotations

import datetime as dt

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime(_FORMAT)


def now_text() -> str:
    return format_time(now())


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, _FORMAT).replace(tzinfo=dt.timezone.utc)
