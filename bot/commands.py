"""Slash command names, shared by the handlers and checked against manifest.yml by a test."""

LEAD = "/lead"
FOLLOWUP = "/followup"

ALL = (LEAD, FOLLOWUP)
