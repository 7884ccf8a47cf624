"""Extraction: documents to mentions, entities and relations (plain data)."""
