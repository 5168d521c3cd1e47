// The enterprises some corporate shareholders hold shares in, with the holding's period (the second
// hop of an enterprise's co-subsidiaries, queries.profile); a key without a holding comes back with a
// null uid.
// params: holders LIST<STRING>
UNWIND $holders AS k
MATCH (x:Enterprise {uid: k})
OPTIONAL MATCH (x)-[r:HOLDS_SHARES]->(o:Enterprise)
RETURN x.uid AS via_uid, o.uid AS uid, o.name AS name, o.status AS status, o.region AS region,
       r.valid_from AS valid_from, r.valid_to AS valid_to
