// The enterprises some people head or hold shares in, with the role's period (the second hop of an
// enterprise's related parties through a shared person, queries.profile). Each key's node is matched
// first and its edges in an OPTIONAL MATCH (extends from the node, no scan of the relationship
// table); a key without such an edge comes back with a null uid.
// params: people LIST<STRING>
UNWIND $people AS k
MATCH (x:Person {uid: k})
OPTIONAL MATCH (x)-[r:LEGAL_REP|HOLDS_SHARES]->(o:Enterprise)
RETURN x.uid AS via_uid, type(r) AS rel, o.uid AS uid, o.name AS name, o.status AS status, o.region AS region,
       r.valid_from AS valid_from, r.valid_to AS valid_to
