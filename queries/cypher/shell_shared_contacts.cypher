// Phones and e-mail addresses shared by two or more enterprises, with each enterprise's
// legal representatives and their periods (to tell related companies from unrelated ones; the caller
// keeps the roles valid on its day: a WHERE on the role after the WITH makes LadybugDB scan them all).
MATCH (c:Phone)<-[:HAS_PHONE]-(e:Enterprise)
WITH c, count(e) AS n
WHERE n >= 2
MATCH (c)<-[:HAS_PHONE]-(f:Enterprise)
OPTIONAL MATCH (f)<-[r:LEGAL_REP]-(p:Person)
RETURN c.uid AS contact, 'Phone' AS kind, f.uid AS enterprise, p.uid AS rep, r.valid_from AS valid_from, r.valid_to AS valid_to
UNION ALL
MATCH (c:Email)<-[:HAS_EMAIL]-(e:Enterprise)
WITH c, count(e) AS n
WHERE n >= 2
MATCH (c)<-[:HAS_EMAIL]-(f:Enterprise)
OPTIONAL MATCH (f)<-[r:LEGAL_REP]-(p:Person)
RETURN c.uid AS contact, 'Email' AS kind, f.uid AS enterprise, p.uid AS rep, r.valid_from AS valid_from, r.valid_to AS valid_to
