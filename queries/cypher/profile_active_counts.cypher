// Active penalty events per party, for a list of uids (enterprises and people).
// params: uids LIST<STRING>
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
RETURN u AS uid, count(ev) AS active_penalties
UNION ALL
UNWIND $uids AS u
MATCH (p:Person {uid: u})
OPTIONAL MATCH (p)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
RETURN u AS uid, count(ev) AS active_penalties
