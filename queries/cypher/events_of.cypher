// The penalty events of some enterprises (active ones only unless $history): kind and date,
// for the end-of-life signals of queries.lifecycle.
// params: uids LIST<STRING>, history BOOLEAN
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})-[:PENALIZED]->(v:PenaltyEvent)
WHERE $history OR coalesce(v.status, 'active') = 'active'
RETURN e.uid AS subject, v.uid AS event, v.kind AS kind, v.decided AS decided
