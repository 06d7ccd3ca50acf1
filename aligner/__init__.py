"""Seekline's aligner: parse a radio transcript and align it to the broadcast audio."""
