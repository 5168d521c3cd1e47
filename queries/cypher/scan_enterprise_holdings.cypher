// Every shareholding by an enterprise (corporate shareholders, resolved or not).
MATCH (o:Enterprise)-[r:HOLDS_SHARES]->(e:Enterprise)
RETURN o.uid AS src, e.uid AS dst, r.ratio AS ratio, r.subscribed AS subscribed, r.paid AS paid
