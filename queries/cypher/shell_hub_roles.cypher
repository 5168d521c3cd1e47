// Shell hubs, counted in the engine: the legal-representative roles valid on $as_of of the people
// who hold such a role in at least $min_companies enterprises, with each enterprise's founding date.
// Only candidates come back, not every role of the graph. (One LEGAL_REP edge at most joins two
// nodes, the store contract: count(r) counts enterprises.) The people of resolved identities, whose
// records count together however few companies each has, come from shell_linked_roles: one query
// for both (an OR EXISTS after the aggregation) left LadybugDB 0.22's buffer pool pinned after it.
// params: as_of DATE, min_companies INT64
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
WITH p, count(r) AS n
WHERE n >= $min_companies
MATCH (p)-[r2:LEGAL_REP]->(f:Enterprise)
WHERE NOT ((r2.valid_to IS NOT NULL AND r2.valid_to <= $as_of) OR (r2.valid_from IS NOT NULL AND r2.valid_from > $as_of))
RETURN p.uid AS person, f.uid AS enterprise, f.founded AS founded
