// Every legal-representative role valid on $as_of, with the enterprise's founding date (shell hubs:
// one scan serves the representatives of many companies and the records of resolved identities).
// params: as_of DATE
MATCH (p:Person)-[r:LEGAL_REP]->(e:Enterprise)
WHERE NOT ((r.valid_to IS NOT NULL AND r.valid_to <= $as_of) OR (r.valid_from IS NOT NULL AND r.valid_from > $as_of))
RETURN p.uid AS person, e.uid AS enterprise, e.founded AS founded
