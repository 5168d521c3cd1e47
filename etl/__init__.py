"""ETL: source extracts -> validate -> normalise -> resolve identities -> load; profiles; synthetic data."""
