// penalised_parties for given people (resolved name-only records, whatever their uid):
// each enterprise with a counted event that they represent or hold shares in.
// params: uids LIST<STRING>, history BOOLEAN, kinds LIST<STRING>
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:LEGAL_REP]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active') AND (size($kinds) = 0 OR v.kind IN $kinds)
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'LEGAL_REP' AS role, e.uid AS enterprise,
       0.0 AS ratio
UNION ALL
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active') AND (size($kinds) = 0 OR v.kind IN $kinds)
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio
