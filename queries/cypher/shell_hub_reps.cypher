// People who are legal representative of at least $min_companies enterprises on $as_of, with
// those enterprises and their founding dates (the founding-window test runs in Python). A role
// counts when valid on $as_of: [valid_from, valid_to), a null bound open (docs/time.md).
// params: min_companies INT64, as_of DATE
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
WITH p, count(e) AS n
WHERE n >= $min_companies
MATCH (p)-[s:LEGAL_REP]->(f:Enterprise)
WHERE (s.valid_from IS NULL OR s.valid_from <= $as_of) AND (s.valid_to IS NULL OR s.valid_to > $as_of)
RETURN p.uid AS person, f.uid AS enterprise, f.founded AS founded
