"""Transcript readers, one module per job: decoding, page chrome, speakers, and one reader per format.

The public entry points are re-exported by :mod:`aligner.transcript`.
"""
