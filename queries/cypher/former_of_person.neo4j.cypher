// The roles and holdings of one person that ended on or before $as_of (docs/time.md): the companies
// they used to represent or hold.
// params: uid STRING, as_of DATE
MATCH (x:Person {uid: $uid})-[r:LEGAL_REP|HOLDS_SHARES]->(o:Enterprise)
WHERE r.valid_to IS NOT NULL AND r.valid_to <= $as_of
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, type(r) AS role, 'out' AS direction,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by
