"""integration-kg: migrant-integration documents turned into a knowledge graph."""

__version__ = "0.1.0"
