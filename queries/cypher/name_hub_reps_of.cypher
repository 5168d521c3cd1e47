// name_hub_reps for some names only (a profile's name hub: keyed by the Person.name index).
// params: names LIST<STRING>
UNWIND $names AS n
MATCH (p:Person)-[:LEGAL_REP]->(e:Enterprise)
WHERE p.name = n AND p.uid STARTS WITH 'NM:'
RETURN p.uid AS person, p.name AS name, e.uid AS enterprise, e.region AS region, e.province AS province,
       e.city AS city
