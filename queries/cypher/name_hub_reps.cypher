// Every legal-representative edge of a name-only person ("NM:" uid), with the enterprise's
// region codes: the input of the name-hub analysis (grouped by name and city in Python).
MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise)
WHERE p.uid STARTS WITH 'NM:'
RETURN p.uid AS person, p.name AS name, e.uid AS enterprise, e.region AS region, e.province AS province,
       e.city AS city
