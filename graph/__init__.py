"""The graph model and the stores that hold it (embedded LadybugDB, Neo4j)."""
from creditgraph.graph.model import MODEL, GraphModel, load_model

__all__ = ["MODEL", "GraphModel", "load_model"]
