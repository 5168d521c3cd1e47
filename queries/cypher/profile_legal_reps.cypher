// The legal representative(s) of an enterprise.
// params: uid STRING
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise {uid: $uid})
RETURN p.uid AS person_uid, p.name AS person_name, p.id_masked AS id_masked,
       r.position AS position, r.since AS since
ORDER BY p.name, p.uid
