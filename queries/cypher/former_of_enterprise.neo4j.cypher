// The roles and holdings of one enterprise that ended on or before $as_of (docs/time.md): its former
// legal representatives and shareholders ("in") and the holdings it gave up ("out").
// params: uid STRING, as_of DATE
MATCH (x:Enterprise {uid: $uid})<-[r:LEGAL_REP|HOLDS_SHARES]-(o)
WHERE r.valid_to IS NOT NULL AND r.valid_to <= $as_of
RETURN o.uid AS uid, labels(o)[0] AS label, o.name AS name, type(r) AS role, 'in' AS direction,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by
UNION ALL
MATCH (x:Enterprise {uid: $uid})-[r:HOLDS_SHARES]->(o:Enterprise)
WHERE r.valid_to IS NOT NULL AND r.valid_to <= $as_of
RETURN o.uid AS uid, 'Enterprise' AS label, o.name AS name, 'HOLDS_SHARES' AS role, 'out' AS direction,
       r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by
