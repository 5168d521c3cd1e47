// Paid-in capital per enterprise: the paid amounts of its shareholdings valid on $as_of, summed
// (shareholdings without a paid amount are left out).
// params: as_of DATE
MATCH ()-[r:HOLDS_SHARES]->(e:Enterprise)
WHERE r.paid IS NOT NULL
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN e.uid AS enterprise, sum(r.paid) AS paid
