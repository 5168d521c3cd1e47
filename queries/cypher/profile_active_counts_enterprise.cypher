// Active penalty events per enterprise decided on or before $as_of (undated ones count), for a list of uids:
// one branch of profile_active_counts (a union costs both branches' reads: 7 ms against 3 ms at 1M
// enterprises); uids that are not enterprises give no row.
// params: uids LIST<STRING>, as_of DATE
UNWIND $uids AS u
MATCH (e:Enterprise {uid: u})
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active' AND (ev.decided IS NULL OR ev.decided <= $as_of)
RETURN u AS uid, count(ev) AS active_penalties
