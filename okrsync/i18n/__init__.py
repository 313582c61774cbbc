"""Formatting for people: numbers, amounts and counts in the reader's locale (English for now)."""
