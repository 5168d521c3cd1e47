// Every shareholding by an enterprise (corporate shareholders, resolved or not) valid on $as_of.
// params: as_of DATE
MATCH (o:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
RETURN o.uid AS src, e.uid AS dst, r.ratio AS ratio, r.subscribed AS subscribed, r.paid AS paid
