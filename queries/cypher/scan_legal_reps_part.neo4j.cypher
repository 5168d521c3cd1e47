// scan_legal_reps in parts: Neo4j streams a result to the driver in batches, so the whole scan is
// part 0 (the other parts are empty); LadybugDB's variant splits it by the person's offset.
// params: as_of DATE, part INT64, parts INT64
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE $part = 0 AND $parts >= 1
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS src, e.uid AS dst
