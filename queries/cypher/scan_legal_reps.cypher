// Every legal-representative edge.
MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise)
RETURN p.uid AS src, e.uid AS dst
