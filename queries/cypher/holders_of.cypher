// The direct shareholders of one enterprise, with subscribed and paid-in amounts.
// params: uid STRING
MATCH (h:Person)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN h.uid AS src, 'Person' AS src_label, h.name AS src_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
UNION ALL
MATCH (h:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise {uid: $uid})
RETURN h.uid AS src, 'Enterprise' AS src_label, h.name AS src_name, r.ratio AS ratio,
       r.subscribed AS subscribed, r.paid AS paid
