// Phones and e-mail addresses shared by two or more enterprises, with each enterprise's
// legal representatives on $as_of (to tell related companies from unrelated ones).
// params: as_of DATE
MATCH (c:Phone)<-[:HAS_PHONE]-(e:Enterprise)
WITH c, count(e) AS n
WHERE n >= 2
MATCH (c)<-[:HAS_PHONE]-(f:Enterprise)
OPTIONAL MATCH (f)<-[r:LEGAL_REP]-(p:Person)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
RETURN c.uid AS contact, 'Phone' AS kind, f.uid AS enterprise, p.uid AS rep
UNION ALL
MATCH (c:Email)<-[:HAS_EMAIL]-(e:Enterprise)
WITH c, count(e) AS n
WHERE n >= 2
MATCH (c)<-[:HAS_EMAIL]-(f:Enterprise)
OPTIONAL MATCH (f)<-[r:LEGAL_REP]-(p:Person)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
RETURN c.uid AS contact, 'Email' AS kind, f.uid AS enterprise, p.uid AS rep
