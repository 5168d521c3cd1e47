// Every penalty event of every enterprise and person decided on or before $as_of (or undated),
// whatever its status (queries/grade.py sorts active from archived ones).
// params: as_of DATE
MATCH (s:Enterprise)-[:PENALIZED]->(v:PenaltyEvent)
WHERE v.decided IS NULL OR v.decided <= $as_of
RETURN s.uid AS subject, 'Enterprise' AS subject_label, v.uid AS event, v.kind AS kind, v.decided AS decided,
       coalesce(v.status, 'active') AS status, v.amount AS amount
UNION ALL
MATCH (s:Person)-[:PENALIZED]->(v:PenaltyEvent)
WHERE v.decided IS NULL OR v.decided <= $as_of
RETURN s.uid AS subject, 'Person' AS subject_label, v.uid AS event, v.kind AS kind, v.decided AS decided,
       coalesce(v.status, 'active') AS status, v.amount AS amount
