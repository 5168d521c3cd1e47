// The direct shareholders of one enterprise on $as_of, with subscribed and paid-in amounts.
// params: uid STRING, as_of DATE
MATCH (h:Person)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH (h:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
