// The enterprises a person is (or was) legal representative of, with the role's period and their
// active penalty events.
// params: uid STRING
MATCH (p:Person {uid: $uid})-[r:LEGAL_REP]->(e:Enterprise)
OPTIONAL MATCH (e)-[:PENALIZED]->(ev:PenaltyEvent)
WHERE ev.status = 'active'
RETURN e.uid AS uid, e.name AS name, e.status AS status, e.region AS region, e.founded AS founded,
       e.dissolved AS dissolved, r.position AS position, r.valid_from AS valid_from, r.valid_to AS valid_to,
       r.ended_by AS ended_by, count(ev) AS active_penalties
