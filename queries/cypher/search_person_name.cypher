// People whose name equals or starts with the query (exact matches sort first), with their
// active penalty events and the enterprises they represent or hold shares in (to tell
// namesakes apart: people are never merged on name alone).
// Only events decided on or before $as_of count (an undated one counts), and only roles and holdings
// valid on $as_of ([valid_from, valid_to), a null bound open; docs/time.md).
// params: name STRING, limit INT64, as_of DATE
MATCH (p:Person)
WHERE p.name STARTS WITH $name
WITH p
ORDER BY size(p.name), p.uid
LIMIT $limit
OPTIONAL MATCH (p)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
WITH p, count(ev) AS active_penalties
OPTIONAL MATCH (p)-[r:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS uid, p.name AS name, p.id_masked AS id_masked, p.region AS region,
       p.scope AS scope, active_penalties, collect(DISTINCT e.name) AS enterprises
