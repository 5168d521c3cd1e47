// Every POSSIBLY_SAME_AS link (Person -> Person, src uid < dst uid) scoring at least
// $min_score: the edge arrays identity resolution runs connected components on, with the
// evidence text the analyses show (read once here instead of per identity).
// params: min_score DOUBLE
MATCH (a:Person)-[r:POSSIBLY_SAME_AS]->(b:Person)
WHERE r.score >= $min_score
RETURN a.uid AS src, b.uid AS dst, r.score AS score, r.evidence AS evidence
