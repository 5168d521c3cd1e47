// The enterprises a party (person or enterprise) holds shares in.
// params: uid STRING
MATCH (s:Person {uid: $uid})-[r:HOLDS_SHARES]->(t:Enterprise)
RETURN t.uid AS uid, t.name AS name, t.status AS status, t.region AS region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency, r.report_year AS report_year
UNION ALL
MATCH (s:Enterprise {uid: $uid})-[r:HOLDS_SHARES]->(t:Enterprise)
RETURN t.uid AS uid, t.name AS name, t.status AS status, t.region AS region, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid, r.currency AS currency, r.report_year AS report_year
