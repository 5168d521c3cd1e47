// People whose name equals or starts with the query (exact matches sort first), with their
// active penalty events and the enterprises they represent or hold shares in (to tell
// namesakes apart: people are never merged on name alone).
// params: name STRING, limit INT64
MATCH (p:Person)
WHERE p.name STARTS WITH $name
WITH p
ORDER BY size(p.name), p.uid
LIMIT $limit
OPTIONAL MATCH (p)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
WITH p, count(ev) AS active_penalties
OPTIONAL MATCH (p)-[:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise)
RETURN p.uid AS uid, p.name AS name, p.id_masked AS id_masked, p.region AS region,
       p.scope AS scope, active_penalties, collect(DISTINCT e.name) AS enterprises
