"""Association analyses over the credit graph (Cypher per analysis, graph algorithms on edge arrays)."""
