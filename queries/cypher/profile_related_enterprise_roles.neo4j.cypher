// The people and enterprises holding a role or shares in one enterprise (the first hop of the related
// parties through a shared person or corporate shareholder, queries.profile), with the role's period.
// params: uid STRING
MATCH (e:Enterprise {uid: $uid})<-[r:LEGAL_REP|HOLDS_SHARES]-(x)
RETURN x.uid AS via_uid, labels(x)[0] AS via_label, x.name AS via_name, type(r) AS via_rel,
       r.valid_from AS valid_from, r.valid_to AS valid_to
