// Every active penalty event's party and decision day, for the whole graph: what
// queries.profile_related.ActiveCounts counts per party (one scan: ~0.1 s at 1M enterprises).
MATCH (s)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
RETURN s.uid AS uid, ev.decided AS decided
