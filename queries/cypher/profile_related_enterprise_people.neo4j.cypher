// The people who head or hold shares in some enterprises, with the role's period (the second hop of a
// person's related parties, queries.profile); the enterprise is matched first (see
// profile_related_people_roles); a key without such a person comes back with a null uid.
// params: enterprises LIST<STRING>
UNWIND $enterprises AS k
MATCH (e:Enterprise {uid: k})
OPTIONAL MATCH (e)<-[r:LEGAL_REP|HOLDS_SHARES]-(o:Person)
RETURN e.uid AS via_uid, type(r) AS rel, o.uid AS uid, o.name AS name, o.id_masked AS status, o.region AS region,
       r.valid_from AS valid_from, r.valid_to AS valid_to
