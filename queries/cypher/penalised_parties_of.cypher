// penalised_parties for given people (resolved name-only records, whatever their uid):
// each enterprise with a counted event that they represent or hold shares in, the role
// valid as in penalised_parties.
// params: uids LIST<STRING>, history BOOLEAN, kinds LIST<STRING>, as_of DATE, by_decision BOOLEAN
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[r:LEGAL_REP]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds) AND (v.decided IS NULL OR v.decided <= $as_of)
WITH p, r, e, v, CASE WHEN $by_decision AND v.decided IS NOT NULL THEN v.decided ELSE $as_of END AS t
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= t) OR (r.valid_from IS NOT NULL AND r.valid_from > t))
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'LEGAL_REP' AS role, e.uid AS enterprise,
       0.0 AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds) AND (v.decided IS NULL OR v.decided <= $as_of)
WITH p, r, e, v, CASE WHEN $by_decision AND v.decided IS NOT NULL THEN v.decided ELSE $as_of END AS t
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= t) OR (r.valid_from IS NOT NULL AND r.valid_from > t))
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to
