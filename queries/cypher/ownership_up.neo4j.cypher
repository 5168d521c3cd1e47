// Who holds an enterprise: every HOLDS_SHARES edge into it or into an enterprise that
// reaches it upstream within $depth holdings (one level more than the paths use).
// Neo4j: a bounded variable-length match, one row per distinct upstream enterprise. Only
// holdings valid on $as_of count ([valid_from, valid_to), a null bound open; docs/time.md),
// on the way up too.
// params: uid STRING, depth INT64, as_of DATE
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Person)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH p = (x:Enterprise {uid: $uid})<-[:HOLDS_SHARES*1..9]-(m:Enterprise)
WHERE length(p) <= $depth AND all(s IN relationships(p) WHERE NOT ((s.valid_to IS NOT NULL AND s.valid_to <= $as_of) OR (s.valid_from IS NOT NULL AND s.valid_from > $as_of)))
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Person)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH p = (x:Enterprise {uid: $uid})<-[:HOLDS_SHARES*1..9]-(m:Enterprise)
WHERE length(p) <= $depth AND all(s IN relationships(p) WHERE NOT ((s.valid_to IS NOT NULL AND s.valid_to <= $as_of) OR (s.valid_from IS NOT NULL AND s.valid_from > $as_of)))
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
