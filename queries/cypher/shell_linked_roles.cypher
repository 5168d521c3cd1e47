// The legal-representative roles valid on $as_of of the people with an identity link scoring at
// least $min_score (a superset of the records of resolved identities, which the caller keeps: their
// records count together for the shell hub signal however few companies each has), with each
// enterprise's founding date. Only linked people's roles come back, not every role of the graph.
// params: as_of DATE, min_score DOUBLE
MATCH (p:Person)-[r:LEGAL_REP]->(f:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
  AND EXISTS { MATCH (p)-[s:POSSIBLY_SAME_AS]-(:Person) WHERE s.score >= $min_score }
RETURN p.uid AS person, f.uid AS enterprise, f.founded AS founded
