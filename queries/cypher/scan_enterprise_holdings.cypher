// Every shareholding by an enterprise (corporate shareholders, resolved or not) valid on $as_of.
// params: as_of DATE
MATCH (o:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN o.uid AS src, e.uid AS dst, r.ratio AS ratio, r.subscribed AS subscribed, r.paid AS paid
