"""The Seekline exception tree: each error knows its HTTP status and CLI exit code."""

from __future__ import annotations


class SeeklineError(Exception):
    """Base of every error Seekline raises on purpose.

    The message is shown to the user as is, so it says what to fix.
    """

    status = 400
    exit_code = 1
    code = "seekline_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TranscriptError(SeeklineError):
    """The transcript is empty, binary, too big or in an unknown format."""

    status = 422
    exit_code = 65  # EX_DATAERR
    code = "bad_transcript"


class AudioError(SeeklineError):
    """The audio file is missing, undecodable or not audio."""

    status = 422
    exit_code = 66  # EX_NOINPUT
    code = "bad_audio"


class AlignmentError(SeeklineError):
    """The aligner could not produce a sync map for this audio and text."""

    status = 422
    exit_code = 70  # EX_SOFTWARE
    code = "alignment_failed"


class JobError(SeeklineError):
    """A background alignment job could not be run."""

    status = 409
    exit_code = 75  # EX_TEMPFAIL
    code = "job_failed"
