// name_hub_reps for some names only (a profile's name hub: keyed by the Person.name index).
// params: names LIST<STRING>, as_of DATE
UNWIND $names AS n
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE p.name = n AND p.uid STARTS WITH 'NM:'
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS person, p.name AS name, e.uid AS enterprise, e.region AS region, e.province AS province,
       e.city AS city
