// The legal representative(s) of an enterprise, current and former: each role with its period
// [valid_from, valid_to) and how its end became known (ended_by); queries.profile sorts them by as_of.
// params: uid STRING
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise {uid: $uid})
RETURN p.uid AS person_uid, p.name AS person_name, p.id_masked AS id_masked, p.region AS person_region,
       r.position AS position, r.valid_from AS valid_from, r.valid_to AS valid_to, r.ended_by AS ended_by
ORDER BY p.name, p.uid
