// Parties behind penalised enterprises: people with an ID number ("ID:" uids; name-only
// people never link two companies) who are legal representative or shareholder of an
// enterprise with a counted event, and enterprises holding shares in one. An event counts
// when it is active (or $history) and its kind is in $kinds (an empty list: every kind).
// `ratio` is the shareholding ratio on HOLDS_SHARES rows (0.0 on LEGAL_REP rows, which have
// none: a typed constant keeps the UNION's column types equal in both dialects).
// params: history BOOLEAN, kinds LIST<STRING>
MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE p.uid STARTS WITH 'ID:' AND ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds)
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'LEGAL_REP' AS role, e.uid AS enterprise,
       0.0 AS ratio
UNION ALL
MATCH (p:Person)-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE p.uid STARTS WITH 'ID:' AND ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds)
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio
UNION ALL
MATCH (o:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active') AND (size($kinds) = 0 OR v.kind IN $kinds)
RETURN DISTINCT o.uid AS party, 'Enterprise' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio
