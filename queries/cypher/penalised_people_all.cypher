// Parties behind penalised enterprises, every person included: the people who are legal
// representative or shareholder of an enterprise with a counted event, and enterprises holding
// shares in one (penalised_parties without its restriction to people with an ID number: the
// caller, queries.identity.penalised_people, keeps those and the records of resolved identities,
// in one whole-graph read instead of a keyed read of every resolved record). An event counts
// when it is active (or $history), its kind is in $kinds (an empty list: every kind) and it
// was decided on or before $as_of. A role counts for an event when it was valid on the
// event's decision date ($by_decision; an event without a date: on $as_of), else on $as_of
// (docs/time.md). `ratio` is the shareholding ratio on HOLDS_SHARES rows (0.0 on LEGAL_REP
// rows); valid_from / valid_to are the role's period.
// params: history BOOLEAN, kinds LIST<STRING>, as_of DATE, by_decision BOOLEAN
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds) AND (v.decided IS NULL OR v.decided <= $as_of)
WITH p, r, e, v, CASE WHEN $by_decision AND v.decided IS NOT NULL THEN v.decided ELSE $as_of END AS t
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= t) OR (r.valid_from IS NOT NULL AND r.valid_from > t))
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'LEGAL_REP' AS role, e.uid AS enterprise,
       0.0 AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (p:Person)-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds) AND (v.decided IS NULL OR v.decided <= $as_of)
WITH p, r, e, v, CASE WHEN $by_decision AND v.decided IS NOT NULL THEN v.decided ELSE $as_of END AS t
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= t) OR (r.valid_from IS NOT NULL AND r.valid_from > t))
RETURN DISTINCT p.uid AS party, 'Person' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (p:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE ($history OR coalesce(v.status, 'active') = 'active')
  AND (size($kinds) = 0 OR v.kind IN $kinds) AND (v.decided IS NULL OR v.decided <= $as_of)
WITH p, r, e, v, CASE WHEN $by_decision AND v.decided IS NOT NULL THEN v.decided ELSE $as_of END AS t
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= t) OR (r.valid_from IS NOT NULL AND r.valid_from > t))
RETURN DISTINCT p.uid AS party, 'Enterprise' AS party_label, 'HOLDS_SHARES' AS role, e.uid AS enterprise,
       r.ratio AS ratio, r.valid_from AS valid_from, r.valid_to AS valid_to
