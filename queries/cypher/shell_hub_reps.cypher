// People who are legal representative of at least $min_companies enterprises, with those
// enterprises and their founding dates (the founding-window test runs in Python).
// params: min_companies INT64
MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise)
WITH p, count(e) AS n
WHERE n >= $min_companies
MATCH (p)-[:LEGAL_REP]->(f:Enterprise)
RETURN p.uid AS person, f.uid AS enterprise, f.founded AS founded
