// Who holds an enterprise: every HOLDS_SHARES edge into it or into an enterprise that
// reaches it upstream within $depth holdings (one level more than the paths use).
// Neo4j: a bounded variable-length match, one row per distinct upstream enterprise. This
// text is also valid LadybugDB Cypher (walk semantics there): the tests run it on the
// embedded store and compare it with the SHORTEST formulation.
// params: uid STRING, depth INT64
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Person)
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Enterprise)
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH p = (x:Enterprise {uid: $uid})<-[:HOLDS_SHARES*1..9]-(m:Enterprise)
WHERE length(p) <= $depth
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Person)
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH p = (x:Enterprise {uid: $uid})<-[:HOLDS_SHARES*1..9]-(m:Enterprise)
WHERE length(p) <= $depth
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Enterprise)
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
