// Every legal-representative edge of a name-only person ("NM:" uid) valid on $as_of
// ([valid_from, valid_to), a null bound open; docs/time.md), with the enterprise's region
// codes: the input of the name-hub analysis (grouped by name and city in Python).
// params: as_of DATE
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE p.uid STARTS WITH 'NM:'
  AND NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS person, p.name AS name, e.uid AS enterprise, e.region AS region, e.province AS province,
       e.city AS city
