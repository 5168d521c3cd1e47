// Who holds an enterprise: every HOLDS_SHARES edge into it or into an enterprise that
// reaches it upstream within $depth holdings (the subgraph equity penetration works on;
// one level more than the paths use, so the analysis knows whether a holder at the depth
// limit has holders of its own). LadybugDB: a SHORTEST recursive join reaches each
// upstream enterprise once (BFS), so cycles cost nothing. Only holdings valid on $as_of count
// ([valid_from, valid_to), a null bound open; docs/time.md), in the recursion; the
// last holding's period is returned and filtered by the caller (a WHERE on it after the WITH
// makes LadybugDB 0.22 scan every holding: 1.5 s instead of 2 ms at 1M).
// params: uid STRING, depth INT64, as_of DATE
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Person)
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid,
       r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (x:Enterprise {uid: $uid})<-[r:HOLDS_SHARES]-(h:Enterprise)
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, x.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid,
       r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (x:Enterprise {uid: $uid})<-[p:HOLDS_SHARES* SHORTEST 1..9 (e, n | WHERE NOT ((e.valid_to IS NOT NULL AND e.valid_to <= $as_of) OR (e.valid_from IS NOT NULL AND e.valid_from > $as_of)))]-(m:Enterprise)
WHERE length(p) <= $depth
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Person)
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid,
       r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (x:Enterprise {uid: $uid})<-[p:HOLDS_SHARES* SHORTEST 1..9 (e, n | WHERE NOT ((e.valid_to IS NOT NULL AND e.valid_to <= $as_of) OR (e.valid_from IS NOT NULL AND e.valid_from > $as_of)))]-(m:Enterprise)
WHERE length(p) <= $depth
WITH DISTINCT m
MATCH (m)<-[r:HOLDS_SHARES]-(h:Enterprise)
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, m.uid AS dst, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid,
       r.valid_from AS valid_from, r.valid_to AS valid_to
