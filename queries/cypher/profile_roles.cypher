// The enterprises a person is legal representative of, with their active penalty events.
// params: uid STRING
MATCH (p:Person {uid: $uid})-[r:LEGAL_REP]->(e:Enterprise)
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
RETURN e.uid AS uid, e.name AS name, e.status AS status, e.region AS region, e.founded AS founded,
       e.dissolved AS dissolved, r.position AS position, r.since AS since, count(ev) AS active_penalties
