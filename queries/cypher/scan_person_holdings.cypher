// Every shareholding by a person.
MATCH (p:Person)-[r:HOLDS_SHARES]->(e:Enterprise)
RETURN p.uid AS src, e.uid AS dst, r.ratio AS ratio
