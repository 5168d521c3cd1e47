// scan_legal_reps in parts (issue 20): the legal-representative edges valid on $as_of of the people
// in part $part of $parts (by the person's internal offset: parts of equal size, and each person's
// edges in one part), so that the engine materialises one part's rows at a time in its buffer pool
// (the whole result at 1M enterprises took ~340 MB of it, and did not fit in a 256 MB pool).
// params: as_of DATE, part INT64, parts INT64
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE offset(id(p)) % $parts = $part
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS src, e.uid AS dst
