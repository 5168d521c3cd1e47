// Enterprises whose shareholders (holdings valid on $as_of) paid in at most $max_paid_ratio of
// what they subscribed (shareholdings without a known paid amount are left out, not counted as
// zero).
// params: max_paid_ratio DOUBLE, as_of DATE
MATCH ()-[r:HOLDS_SHARES]->(e:Enterprise)
WHERE r.subscribed > 0 AND r.paid IS NOT NULL
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
WITH e, sum(r.subscribed) AS subscribed, sum(r.paid) AS paid
WHERE paid <= $max_paid_ratio * subscribed
RETURN e.uid AS enterprise, subscribed, paid
