"""The Streamlit app and the `creditgraph` command line. Only this package imports Streamlit."""
