"""Seekline benches: accuracy against built broadcasts with exact truth (run as scripts)."""
