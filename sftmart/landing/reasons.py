"""Why a landing row was rejected: every `reject_reason_code`, defined here once.

The raw GX suite (expectations/definitions.py) takes its accepted set from here.
"""

from __future__ import annotations

REASON_CODES = (
    # one record (array element, JSONL line or single value)
    "broken_json",  # not valid JSON (or NaN / Infinity, or nested too deeply)
    "not_an_object",  # valid JSON, but not an object
    "missing_field",  # instruction or output missing or null
    "wrong_type",  # instruction, input or output not a string
    "invalid_utf8",  # bytes that are not UTF-8, or a lone \ud800-style escape
    "record_too_large",  # over max_record_bytes of JSON text
    "malformed_options",  # 'options' not a list of >= 2 distinct non-empty strings, or missing beside 'answer'
    "malformed_answer",  # 'answer' names no option (index, option text or letter), or missing beside 'options'
    # a whole file
    "truncated_file",  # a JSON array that never closes (one row after its last element)
    "unsupported_file_type",  # not .json or .jsonl
    "empty_file",  # nothing but whitespace, no lines, or []
    "file_too_large",  # over max_file_bytes; never read
    "unreadable_file",  # an OSError while reading it (or a folder that cannot be listed)
    "not_a_regular_file",  # a FIFO, device, socket (or a link to one); never opened
    "symlink_outside_root",  # a link that leaves raw_root; never read
    "non_utf8_file_name",  # a name that is not UTF-8; never read
    "changed_during_read",  # its size, mtime or inode moved while it was landed; none of its rows kept
)
CHANGED_DURING_READ = "changed_during_read"  # read again by the next build (sftmart.landing.changes)
