// The enterprises a party (person or enterprise) holds or held shares in, with the holding's period,
// how it ended and its equity changes.
// params: uid STRING
MATCH (s:Person {uid: $uid})-[r:HOLDS_SHARES]->(t:Enterprise)
RETURN t.uid AS uid, t.name AS name, t.status AS status, t.region AS region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency, r.report_year AS report_year,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by, r.changes AS changes
UNION ALL
MATCH (s:Enterprise {uid: $uid})-[r:HOLDS_SHARES]->(t:Enterprise)
RETURN t.uid AS uid, t.name AS name, t.status AS status, t.region AS region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency, r.report_year AS report_year,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by, r.changes AS changes
