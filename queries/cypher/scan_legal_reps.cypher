// Every legal-representative edge valid on $as_of (docs/time.md).
// params: as_of DATE
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS src, e.uid AS dst
