// Active penalty events per party decided on or before $as_of (undated ones count), for a list of
// uids (enterprises and people).
// params: uids LIST<STRING>, as_of DATE
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN u AS uid, count(ev) AS active_penalties
UNION ALL
UNWIND $uids AS u
MATCH (p:Person {uid: u})
OPTIONAL MATCH (p)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN u AS uid, count(ev) AS active_penalties
