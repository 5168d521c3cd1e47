// The enterprises one person heads or holds shares in, with the role's period (the first hop of a
// person's related parties through a shared enterprise, queries.profile).
// params: uid STRING
MATCH (p:Person {uid: $uid})-[r:LEGAL_REP|HOLDS_SHARES]->(e:Enterprise)
RETURN e.uid AS via_uid, e.name AS via_name, label(r) AS via_rel, r.valid_from AS valid_from, r.valid_to AS valid_to
